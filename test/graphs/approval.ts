// Shape: a compiled messages graph whose node pauses with interrupt() and answers with what it was resumed with.
import { AIMessage } from "@langchain/core/messages";
import { END, interrupt, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("ask", (state) => {
    const answer: unknown = interrupt({ question: "May I answer?", about: state.messages.at(-1)?.text });
    return { messages: [new AIMessage(`Resumed with ${JSON.stringify(answer)}`)] };
  })
  .addEdge(START, "ask")
  .addEdge("ask", END)
  .compile();
