// Shape: factories called per run with its config: `graph` (sync) names its node after `configurable.node_name`, `asyncGraph` (async) greets with `context.greeting`.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

interface RunConfig {
  configurable?: Record<string, unknown>;
  context?: Record<string, unknown> | null;
}

const VisitState = Annotation.Root({
  visited: Annotation<string[]>({ reducer: (visited, more) => visited.concat(more), default: () => [] }),
});

export function graph(config: RunConfig) {
  const node = typeof config.configurable?.node_name === "string" ? config.configurable.node_name : "default";
  return new StateGraph(VisitState)
    .addNode(node, () => ({ visited: [node] }))
    .addEdge(START, node)
    .addEdge(node, END)
    .compile();
}

const GreetState = Annotation.Root({
  name: Annotation<string>,
  greeting: Annotation<string>,
});

export async function asyncGraph(config: RunConfig) {
  const greeting = typeof config.context?.greeting === "string" ? config.context.greeting : "Hello";
  return new StateGraph(GreetState)
    .addNode("greet", (s) => ({ greeting: `${greeting}, ${s.name}!` }))
    .addEdge(START, "greet")
    .addEdge("greet", END)
    .compile();
}
