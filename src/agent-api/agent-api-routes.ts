import { Router } from "express";
import type pg from "pg";
import type { Logger } from "pino";
import type { AssistantRepository } from "../assistants/assistant-repository.js";
import type { ConversationRepository } from "../conversations/conversation-repository.js";
import type { GraphRegistry } from "../runs/graph-registry.js";
import type { RunManager } from "../runs/run-manager.js";
import type { GraphSchemas } from "../schemas/graph-schemas.js";
import type { ThreadBranches } from "../runs/thread-branches.js";
import type { RouteGroup } from "../manifest/read-manifest.js";
import type { CheckWebhook } from "../webhooks/check-webhook.js";
import { agentAssistantRoutes } from "./agent-assistant-routes.js";
import { agentAssistantWriteRoutes } from "./agent-assistant-write-routes.js";
import type { AgentAssistants } from "./agent-assistants.js";
import { agentRunRoutes } from "./agent-run-routes.js";
import type { AgentRuns } from "./agent-runs.js";
import { agentSystemRoutes } from "./agent-system-routes.js";
import { agentThreadRoutes } from "./agent-thread-routes.js";
import type { ProviderRefs } from "../providers/provider-refs.js";

export interface AgentApiDeps {
  pool: pg.Pool;
  runs: RunManager;
  branches: ThreadBranches;
  graphs: GraphRegistry;
  /** Each graph's JSON schemas (`/assistants/:id/schemas`, `/subgraphs`). */
  schemas: GraphSchemas;
  conversations: ConversationRepository;
  /** One view of the assistants for reads, writes and runs, so a graph's assistant shows one created_at. */
  assistants: AgentAssistants;
  storedAssistants: AssistantRepository;
  agentRuns: AgentRuns;
  heartbeatMs: number;
  sseMaxBufferBytes?: number;
  logger: Logger;
  /** Groups the manifest turns off (`http.disable_<group>`): their routes are not served. */
  disabled?: ReadonlySet<RouteGroup>;
  /** Checks a new run's `webhook`; without it, runs take none. */
  checkWebhook?: CheckWebhook;
  /** Checks that a provider_id an assistant is given names one of the tenant's providers. */
  providerRefs?: ProviderRefs;
}

/**
 * The LangGraph Agent Server's routes, so that the official client (`@langchain/langgraph-sdk`)
 * works against this service: system, assistants and threads. Mount after authentication and the
 * JSON parser; errors stay our problem+json documents.
 */
export function agentApiRoutes(deps: AgentApiDeps): Router {
  const router = Router();
  const on = (group: RouteGroup) => !deps.disabled?.has(group);
  if (on("meta")) router.use(agentSystemRoutes());
  const { assistants } = deps;
  if (on("assistants")) {
    router.use(agentAssistantRoutes({ graphs: deps.graphs, assistants, schemas: deps.schemas }));
    router.use(agentAssistantWriteRoutes({ graphs: deps.graphs, assistants, stored: deps.storedAssistants, conversations: deps.conversations, runs: deps.runs, providers: deps.providerRefs }));
  }
  if (on("threads")) router.use(agentThreadRoutes(deps));
  if (on("runs")) {
    router.use(agentRunRoutes({
      agentRuns: deps.agentRuns, manager: deps.runs, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes, logger: deps.logger, checkWebhook: deps.checkWebhook,
      providerRefs: deps.providerRefs,
    }));
  }
  return router;
}
