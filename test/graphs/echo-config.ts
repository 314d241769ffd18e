// Shape: a compiled graph that answers with what its run was given: the `configurable` a client may
// set (LangGraph's own `__` and `checkpoint_` keys left out), `context`, `tags` and `recursion_limit`.
import { Annotation, END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";

const EchoState = Annotation.Root({
  seen: Annotation<Record<string, unknown>>,
});

function given(config: LangGraphRunnableConfig) {
  const configurable = Object.fromEntries(Object.entries(config.configurable ?? {}).filter(([key]) => !key.startsWith("__") && !key.startsWith("checkpoint_")));
  return { seen: { configurable, context: config.context ?? null, tags: config.tags ?? [], recursion_limit: config.recursionLimit } };
}

export const graph = new StateGraph(EchoState).addNode("echo", (_state, config) => given(config)).addEdge(START, "echo").addEdge("echo", END).compile();
