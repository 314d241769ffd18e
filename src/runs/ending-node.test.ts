import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { buildChatGraph } from "../../graphs/chat.js";
import { buildDraftGraph } from "../../graphs/draft.js";
import { createChatModel } from "../../graphs/lib/create-chat-model.js";
import { endingNode } from "./ending-node.js";

// Building a graph never calls the model; the address is unroutable on purpose.
const model = createChatModel({ model: "unused", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
const noop = () => ({});

describe("endingNode", () => {
  it("is the model node of the chat loop (agent, not tools) and the draft graph's only node", () => {
    expect(endingNode(buildChatGraph({ model }))).toBe("agent");
    expect(endingNode(buildDraftGraph({ model }))).toBe("draft");
  });

  // Another node that can end the graph does not change the choice while the entry node can end it.
  it("prefers the entry node when it can end the graph", () => {
    const graph = new StateGraph(MessagesAnnotation)
      .addNode("agent", noop)
      .addNode("review", noop)
      .addEdge(START, "agent")
      .addConditionalEdges("agent", () => END, ["review", END])
      .addEdge("review", END)
      .compile();
    expect(endingNode(graph)).toBe("agent");
  });

  it("falls back to the one node that can end the graph, and refuses to guess between several", () => {
    const pipeline = new StateGraph(MessagesAnnotation).addNode("a", noop).addNode("b", noop).addEdge(START, "a").addEdge("a", "b").addEdge("b", END).compile();
    expect(endingNode(pipeline)).toBe("b");
    const fork = new StateGraph(MessagesAnnotation)
      .addNode("a", noop).addNode("b", noop).addNode("c", noop)
      .addEdge(START, "a").addConditionalEdges("a", () => "b", ["b", "c"]).addEdge("b", END).addEdge("c", END)
      .compile();
    expect(() => endingNode(fork)).toThrow(/candidates: b, c/);
  });
});
