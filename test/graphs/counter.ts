// Shape: a compiled graph with no messages: custom reducers (items appended, count summed), two nodes.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

export const CounterState = Annotation.Root({
  items: Annotation<string[]>({ reducer: (items, more) => items.concat(more), default: () => [] }),
  count: Annotation<number>({ reducer: (count, add) => count + add, default: () => 0 }),
});

export const graph = new StateGraph(CounterState)
  .addNode("tick", () => ({ items: ["tick"], count: 1 }))
  .addNode("tock", () => ({ items: ["tock"], count: 10 }))
  .addEdge(START, "tick")
  .addEdge("tick", "tock")
  .addEdge("tock", END)
  .compile();
