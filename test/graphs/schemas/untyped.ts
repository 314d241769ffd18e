// Shape: an Annotation graph exported as `any`: its types say nothing, so its schemas cannot be read from them.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

const State = Annotation.Root({ topic: Annotation<string>, messages: Annotation<string[]> });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const graph: any = new StateGraph(State)
  .addNode("echo", (s) => ({ topic: s.topic }))
  .addEdge(START, "echo")
  .addEdge("echo", END)
  .compile();
