// Shape: a chat whose messages are under another key (`notes`, LangGraph's messages reducer), beside other state.
import { Annotation, END, messagesStateReducer, START, StateGraph } from "@langchain/langgraph";
import type { BaseMessage } from "@langchain/core/messages";
import { envModel } from "./env-model.js";

const NotesState = Annotation.Root({
  notes: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  turns: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
});

export const graph = new StateGraph(NotesState)
  .addNode("answer", async (state: typeof NotesState.State) => ({ notes: [await envModel().invoke(state.notes)], turns: 1 }))
  .addEdge(START, "answer")
  .addEdge("answer", END)
  .compile();
