// Shape: an uncompiled StateGraph (the service compiles it); a messages graph that answers without a model.
import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

export const BUILDER_REPLY = "Built, not compiled.";

// The message is made per call: the messages reducer gives an id to the instance it is handed.
export const graph = new StateGraph(MessagesAnnotation)
  .addNode("reply", () => ({ messages: [new AIMessage(BUILDER_REPLY)] }))
  .addEdge(START, "reply")
  .addEdge("reply", END);
