import type { CompiledStateGraph } from "@langchain/langgraph";
import { AppError } from "../errors.js";

// The registry holds graphs of different state shapes; callers use only the shared surface.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyGraph = CompiledStateGraph<any, any, any, any, any, any>;

export interface ResolvedGraph {
  graphId: string;
  assistantId: string;
  graph: AnyGraph;
}

/** The graphs this service runs, by graph id. An assistant id that is a graph id means its defaults. */
export class GraphRegistry {
  private readonly graphs: Map<string, AnyGraph>;

  constructor(graphs: Record<string, AnyGraph>, readonly defaultGraphId: string) {
    this.graphs = new Map(Object.entries(graphs));
    if (!this.graphs.has(defaultGraphId)) throw new Error(`default graph ${defaultGraphId} is not registered`);
  }

  ids(): string[] {
    return [...this.graphs.keys()];
  }

  resolve(assistantId: string | undefined): ResolvedGraph {
    const id = assistantId ?? this.defaultGraphId;
    const graph = this.graphs.get(id);
    if (!graph) {
      throw new AppError("not_found", `Assistant or graph "${id}" was not found. Known graphs: ${this.ids().join(", ")}.`);
    }
    return { graphId: id, assistantId: id, graph };
  }

  /** The graph a thread was created with. */
  get(graphId: string): AnyGraph {
    return this.resolve(graphId).graph;
  }
}
