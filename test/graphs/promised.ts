// Shape: a Promise of a compiled graph, as a module exports one that must set something up first.
import { setImmediate as tick } from "node:timers/promises";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const ShoutState = Annotation.Root({
  text: Annotation<string>,
  shouted: Annotation<string>,
});

async function buildGraph() {
  await tick();
  return new StateGraph(ShoutState)
    .addNode("shout", (s) => ({ shouted: s.text.toUpperCase() }))
    .addEdge(START, "shout")
    .addEdge("shout", END)
    .compile();
}

export const graph = buildGraph();
