// Shape: a messages graph that answers with the identity the manifest's auth gave the run
// (configurable.langgraph_auth_user_id, as LangGraph's server sets it), and its permissions.
import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

export const graph = new StateGraph(MessagesAnnotation)
  .addNode("whoami", (_state, config) => {
    const { langgraph_auth_user_id: id, langgraph_auth_permissions: permissions } = config.configurable ?? {};
    return { messages: [new AIMessage(`I am ${String(id)} (${JSON.stringify(permissions)})`)] };
  })
  .addEdge(START, "whoami")
  .addEdge("whoami", END)
  .compile();
