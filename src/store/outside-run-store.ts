import { BaseStore, type Operation, type OperationResults } from "@langchain/langgraph";

/**
 * The store a served graph holds between runs. Every run is given its tenant's store (`config.store`,
 * which LangGraph prefers to the graph's own), so this one is reached only if graph code ran outside
 * a run: it refuses, rather than read or write in no tenant's space.
 */
export class OutsideRunStore extends BaseStore {
  async batch<Op extends Operation[]>(_operations: Op): Promise<OperationResults<Op>> {
    throw new Error("the store belongs to a run's tenant: it is given to graphs in runs (config.store), and this code ran outside one");
  }
}
