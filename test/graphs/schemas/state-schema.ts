// Shape: a StateSchema graph (LangGraph's own state type): MessagesValue and a ReducedValue with jsonSchemaExtra.
import { END, MessagesValue, ReducedValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { z } from "zod/v4";

const State = new StateSchema({
  messages: MessagesValue,
  total: new ReducedValue(z.number().default(0), {
    inputSchema: z.number(),
    reducer: (sum: number, n: number) => sum + n,
    jsonSchemaExtra: { unit: "points" },
  }),
});

export const graph = new StateGraph(State)
  .addNode("add", () => ({ total: 1 }))
  .addEdge(START, "add")
  .addEdge("add", END)
  .compile();
