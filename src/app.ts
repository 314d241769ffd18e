import { randomUUID } from "node:crypto";
import cors from "cors";
import express, { type Express } from "express";
import type pg from "pg";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { stateRoutes } from "./agent-api/state-routes.js";
import { agentApiRoutes } from "./agent-api/agent-api-routes.js";
import { internalTruncateRoutes } from "./agent-api/internal-truncate-routes.js";
import { storeRoutes } from "./agent-api/store-routes.js";
import { AssistantRepository } from "./assistants/assistant-repository.js";
import type { ApiKeyIdentity } from "./config.js";
import { ConversationRepository } from "./conversations/conversation-repository.js";
import { AppError } from "./errors.js";
import { assistantRoutes } from "./http/assistant-routes.js";
import { authenticate } from "./http/authenticate.js";
import { customAuthenticate } from "./http/custom-auth.js";
import { branchRoutes } from "./http/branch-routes.js";
import { chatRoutes } from "./http/chat-routes.js";
import { crossSiteGuard } from "./http/cross-site-guard.js";
import { hostGuard } from "./http/host-guard.js";
import { checkJsonBody } from "./http/check-json-body.js";
import { importRoutes } from "./http/import-routes.js";
import { healthRoutes } from "./http/health-routes.js";
import { metricsRoutes } from "./http/metrics-routes.js";
import { rateLimit } from "./http/rate-limit.js";
import { statusRoutes } from "./http/status-routes.js";
import { problemHandler } from "./http/problem.js";
import { threadManagementRoutes } from "./http/thread-management-routes.js";
import { threadRoutes } from "./http/thread-routes.js";
import { trustedOrigins } from "./http/trusted-origins.js";
import { UsageCounters } from "./limits/usage-counters.js";
import type { Metrics } from "./metrics/metrics.js";
import type { CustomAuth } from "./manifest/load-auth.js";
import type { GraphRegistry } from "./runs/graph-registry.js";
import type { RunManager } from "./runs/run-manager.js";
import type { GraphSchemas } from "./schemas/graph-schemas.js";
import type { ThreadBranches } from "./runs/thread-branches.js";
import type { ThreadloomSaver } from "./db/threadloom-saver.js";
import type { AgentAssistants } from "./agent-api/agent-assistants.js";
import type { AgentRuns } from "./agent-api/agent-runs.js";
import type { ModelServers } from "./models/model-servers.js";
import type { StoreRepository } from "./store/store-repository.js";

export interface AppDeps {
  pool: pg.Pool;
  runs: RunManager;
  branches: ThreadBranches;
  graphs: GraphRegistry;
  /** Each graph's JSON schemas, for `/assistants/:id/schemas`. */
  schemas: GraphSchemas;
  checkpointer: ThreadloomSaver;
  /** The store's items, by tenant (the graphs' `config.store` and the /store routes). */
  store: StoreRepository;
  logger: Logger;
  apiKeys: Map<string, ApiKeyIdentity>;
  /** The manifest's auth module (`auth.path`): it authenticates instead of the API keys (never both). */
  auth?: CustomAuth;
  maxMessageChars: number;
  heartbeatMs: number;
  /** A streaming client that lets more than this wait unread is cut (SSE_MAX_BUFFER_BYTES). */
  sseMaxBufferBytes?: number;
  /** IMPORT_MAX_BYTES and IMPORT_MAX_MESSAGES: the largest thread export `POST /api/threads/import` takes. */
  importLimits?: { maxBytes: number; maxMessages: number };
  agentRuns: AgentRuns;
  assistants: AgentAssistants;
  /** CORS_ORIGINS: "*", a comma-separated list, or empty for pages on localhost only. */
  corsOrigins: string;
  models: ModelServers;
  /** The Host names requests may carry (any port), or null for any: see `allowedHosts` in config.ts. */
  allowedHosts: ReadonlySet<string> | null;
  metrics: Metrics;
  /** METRICS_TOKEN, which GET /metrics then requires. */
  metricsToken?: string;
  /** RATE_LIMIT_RPM: requests a minute per API key's owner; 0 for no limit. */
  rateLimitRpm: number;
  /** INTERNAL_TRUNCATE_ENABLED: serve LangGraph's test hook POST /internal/truncate. */
  internalTruncate?: boolean;
}

/** The HTTP application. Everything it uses is passed in; it creates nothing at import time. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = (typeof req.headers["x-request-id"] === "string" && req.headers["x-request-id"].slice(0, 100)) || randomUUID();
        res.setHeader("X-Request-Id", id);
        return id;
      },
      redact: ["req.headers.authorization", 'req.headers["x-api-key"]'],
      autoLogging: { ignore: (req) => req.url === "/healthz" || req.url === "/readyz" || req.url === "/metrics" },
    }),
  );
  app.use(healthRoutes(deps.pool));
  // A web page whose DNS name now points at this machine (DNS rebinding) gets no further.
  if (deps.allowedHosts) app.use(hostGuard(deps.allowedHosts));
  // Before authentication: a browser's preflight carries no credentials. The headers browser
  // clients read (the SDK takes the run id from Content-Location) are exposed.
  const origins = corsOrigin(deps.corsOrigins);
  app.use(cors({ origin: origins, exposedHeaders: EXPOSED_HEADERS, maxAge: 600 }));
  // Pages of other sites may not change anything, nor start a run with GET /chat (an EventSource).
  app.use(crossSiteGuard(trustedOrigins(origins), { unsafeMethodsOnly: true }));
  app.get("/chat", crossSiteGuard(trustedOrigins(origins)));
  app.use((_req, res, next) => {
    res.locals.metrics = deps.metrics;
    next();
  });
  app.use(metricsRoutes({ metrics: deps.metrics, token: deps.metricsToken, authRequired: deps.apiKeys.size > 0 || Boolean(deps.auth) }));
  // Authenticate first: an anonymous caller gets a 401, never a parse error, and its body is not read.
  app.use(deps.auth ? customAuthenticate(deps.auth) : authenticate(deps.apiKeys));
  if (deps.rateLimitRpm > 0) app.use(rateLimit(new UsageCounters(deps.pool), deps.rateLimitRpm));
  app.use(statusRoutes({ pool: deps.pool, models: deps.models }));
  // Before the general JSON parser: an import's body may be larger than a chat request's.
  app.use(importRoutes({ pool: deps.pool, graphs: deps.graphs, checkpointer: deps.checkpointer, limits: deps.importLimits ?? DEFAULT_IMPORT_LIMITS }));
  app.use(express.json({ limit: Math.max(1_000_000, deps.maxMessageChars * 4 + 64_000) }), checkJsonBody);
  app.use(chatRoutes({ runs: deps.runs, maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes }));
  // Before the thread routes, whose `/api/threads/:id` would take `/api/threads/export` for a bad id.
  app.use(threadManagementRoutes({ pool: deps.pool, runs: deps.runs, conversations: new ConversationRepository(deps.pool), maxMessageChars: deps.maxMessageChars }));
  app.use(threadRoutes({ runs: deps.runs, conversations: new ConversationRepository(deps.pool) }));
  app.use(
    branchRoutes({
      runs: deps.runs, branches: deps.branches, conversations: new ConversationRepository(deps.pool),
      maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes,
    }),
  );
  app.use(assistantRoutes({ graphs: deps.graphs, assistants: new AssistantRepository(deps.pool) }));
  // LangGraph Agent Server API (for @langchain/langgraph-sdk): thread state and history.
  app.use(stateRoutes({ pool: deps.pool, runs: deps.runs, graphs: deps.graphs }));
  // The LangGraph Agent Server's routes (no /api prefix), for the official LangGraph client.
  app.use(agentApiRoutes({
    pool: deps.pool, runs: deps.runs, branches: deps.branches, graphs: deps.graphs, schemas: deps.schemas, conversations: new ConversationRepository(deps.pool),
    assistants: deps.assistants, storedAssistants: new AssistantRepository(deps.pool), agentRuns: deps.agentRuns,
    heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes, logger: deps.logger,
  }));
  // The Agent Server's store (long-term memory), the caller's tenant's.
  app.use(storeRoutes({ store: deps.store }));
  if (deps.internalTruncate) app.use(internalTruncateRoutes({ pool: deps.pool, agentRuns: deps.agentRuns, checkpointer: deps.checkpointer, store: deps.store }));
  app.use((req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}.`)));
  app.use(problemHandler(deps.logger));
  return app;
}

const DEFAULT_IMPORT_LIMITS = { maxBytes: 52_428_800, maxMessages: 20_000 };
const EXPOSED_HEADERS = ["Content-Location", "Location", "X-Pagination-Next", "X-Pagination-Total", "X-Request-Id", "X-Thread-Id", "X-Run-Id"];
const LOCAL_PAGE = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** Which browser origins may call the API: "*" any, a list those, none given pages on this machine. */
function corsOrigin(setting: string): boolean | string[] | RegExp {
  const origins = setting.split(",").map((o) => o.trim()).filter(Boolean);
  if (origins.includes("*")) return true;
  return origins.length ? origins : LOCAL_PAGE;
}
