import { Router } from "express";
import type { AssistantRepository } from "../assistants/assistant-repository.js";
import type { ConversationRepository } from "../conversations/conversation-repository.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { RunManager } from "../runs/run-manager.js";
import type { ThreadBranches } from "../runs/thread-branches.js";
import { agentAssistantRoutes } from "./agent-assistant-routes.js";
import { agentAssistantWriteRoutes } from "./agent-assistant-write-routes.js";
import { AgentAssistants } from "./agent-assistants.js";
import { agentSystemRoutes } from "./agent-system-routes.js";
import { agentThreadRoutes } from "./agent-thread-routes.js";

export interface AgentApiDeps {
  runs: RunManager;
  branches: ThreadBranches;
  graphs: GraphRegistry;
  conversations: ConversationRepository;
  assistants: AssistantRepository;
}

/**
 * The LangGraph Agent Server's routes, so that the official client (`@langchain/langgraph-sdk`)
 * works against this service: system, assistants and threads. Mount after authentication and the
 * JSON parser; errors stay our problem+json documents.
 */
export function agentApiRoutes(deps: AgentApiDeps): Router {
  const router = Router();
  router.use(agentSystemRoutes());
  // One view of the assistants for reads and writes, so a graph's assistant shows one created_at.
  const assistants = new AgentAssistants(deps.graphs, deps.assistants);
  router.use(agentAssistantRoutes({ graphs: deps.graphs, assistants }));
  router.use(agentAssistantWriteRoutes({ graphs: deps.graphs, assistants, stored: deps.assistants }));
  router.use(agentThreadRoutes(deps));
  return router;
}
