// Shape: a compiled graph whose node raises an exception of its own class; or, asked to, writes a
// custom chunk no JSON can hold (a BigInt), which fails the service's own stream handling instead.
import { Annotation, END, LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";

export class LedgerClosedError extends Error {
  override name = "LedgerClosedError";
}

const State = Annotation.Root({ entry: Annotation<string>, posted: Annotation<boolean> });

export const graph = new StateGraph(State)
  .addNode("post", (s, config: LangGraphRunnableConfig) => {
    if (s.entry === "bigint") {
      config.writer?.({ amount: 10n });
      return { posted: true };
    }
    throw new LedgerClosedError(`The ledger is closed: cannot post ${s.entry}.`);
  })
  .addEdge(START, "post")
  .addEdge("post", END)
  .compile();
