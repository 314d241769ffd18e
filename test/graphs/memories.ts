// Shape: a messages graph with long-term memory in the store the server gives it (config.store). Each
// message is remembered under ["memories"] (its text, keyed by the message's text), and the answer
// lists every memory the graph can see, sorted; "recall: <words>" instead searches the memories by
// meaning and answers with the nearest one and its score.
import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("remember", async (state, config) => {
    const store = config.store;
    if (!store) throw new Error("no store was given to the run");
    const text = String(state.messages.at(-1)?.content ?? "");
    const recall = /^recall: (.+)$/.exec(text);
    if (recall) {
      const [nearest] = await store.search(["memories"], { query: recall[1], limit: 1 });
      return { messages: [new AIMessage(nearest ? `${String(nearest.value.text)} (${nearest.score?.toFixed(2)})` : "nothing")] };
    }
    await store.put(["memories"], text, { text });
    const all = await store.search(["memories"], { limit: 100 });
    return { messages: [new AIMessage(all.map((item) => String(item.value.text)).sort().join(" | "))] };
  })
  .addEdge(START, "remember")
  .addEdge("remember", END)
  .compile();
