import { randomUUID } from "node:crypto";
import cors from "cors";
import express, { type Express, type RequestHandler, Router } from "express";
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
import { type CheckBaseUrl, providerRoutes } from "./http/provider-routes.js";
import { providerTestRoute } from "./http/provider-test-route.js";
import { authenticate } from "./http/authenticate.js";
import { customAuthenticate } from "./http/custom-auth.js";
import { branchRoutes } from "./http/branch-routes.js";
import { chatRoutes } from "./http/chat-routes.js";
import { uiChatRoutes } from "./http/ui-chat-routes.js";
import { crossSiteGuard } from "./http/cross-site-guard.js";
import { hostGuard } from "./http/host-guard.js";
import { checkJsonBody } from "./http/check-json-body.js";
import { importRoutes } from "./http/import-routes.js";
import { healthRoutes } from "./http/health-routes.js";
import { metricsRoutes } from "./http/metrics-routes.js";
import { rateLimit } from "./http/rate-limit.js";
import { statusRoutes } from "./http/status-routes.js";
import { problemHandler } from "./http/problem.js";
import { maskUnparsedBody } from "./http/provider-routes.js";
import { threadManagementRoutes } from "./http/thread-management-routes.js";
import { threadRoutes } from "./http/thread-routes.js";
import { corsSettings } from "./http/cors-settings.js";
import { expressCustomApp } from "./http/express-custom-app.js";
import { honoCustomApp } from "./http/hono-custom-app.js";
import { inProcessServer } from "./http/in-process-fetch.js";
import { authenticateUnlessMarked, continueMarked } from "./http/marked-caller.js";
import type { HttpApp } from "./manifest/load-http-app.js";
import type { ManifestCors, RouteGroup } from "./manifest/read-manifest.js";
import { GraphUis } from "./ui/graph-uis.js";
import { uiAssetRoutes, uiComponentRoutes } from "./ui/ui-routes.js";
import { webRoutes } from "./http/web-routes.js";
import { doc } from "./openapi/doc.js";
import { OpenAiModels } from "./openai/openai-models.js";
import { OPENAI_ERRORS } from "./openai/openai-error.js";
import { openAiRoutes } from "./openai/openai-routes.js";
import { openApiRoutes } from "./openapi/openapi-routes.js";
import type { RouterLike } from "./openapi/openapi-document.js";
import type { CheckWebhook } from "./webhooks/check-webhook.js";
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
import type { ProviderRepository } from "./providers/provider-repository.js";
import type { StoreRepository } from "./store/store-repository.js";
import type { WebSocketEndpoint } from "./ws/ws-endpoint.js";
import type { ProviderRefs } from "./providers/provider-refs.js";

export interface AppDeps {
  pool: pg.Pool;
  /** Checks that a provider_id an assistant is given names one of the tenant's providers. */
  providerRefs?: ProviderRefs;
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
  /** The manifest's `http.app`, in front of the service's routes. */
  customApp?: HttpApp;
  /** The manifest's `http.cors`, which replaces CORS_ORIGINS when given. */
  httpCors?: ManifestCors;
  /** The Agent Server route groups the manifest's `http.disable_<group>` turns off. */
  disabledRoutes?: ReadonlySet<RouteGroup>;
  /** The graphs' generative UI bundles (the manifest's `ui`). */
  uis?: GraphUis;
  /** The built web app's folder, served at `/`; none: no page. */
  webDir?: string;
  /** Checks a new run's `webhook`; without it, runs take none. */
  checkWebhook?: CheckWebhook;
  /** The tenants' model providers (`/api/providers`). */
  providers: ProviderRepository;
  /** Checks a provider's base URL before it is stored (the address policy); without it, any http(s) URL is taken. */
  checkProviderUrl?: CheckBaseUrl;
  /** The fetch provider connections use (the address policy, pinned, no redirects): `POST /api/providers/:id/test` tries providers with it. */
  providerFetch: typeof fetch;
  /** `GET /api/ws`'s upgrades (see `WebSocketEndpoint.attach`); without it, the route says it is not served. */
  webSockets?: WebSocketEndpoint;
}

/** The HTTP application. Everything it uses is passed in; it creates nothing at import time. */
export function createApp(deps: AppDeps): Express {
  const app = bareApp();
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
  const { options: corsOptions, isTrusted } = corsSettings(deps.corsOrigins, deps.httpCors);
  app.use(cors(corsOptions));
  // Pages of other sites may not change anything, nor start a run with GET /chat (an EventSource).
  app.use(crossSiteGuard(isTrusted, { unsafeMethodsOnly: true }));
  app.get("/chat", crossSiteGuard(isTrusted));
  // A page of any site may open a WebSocket (no CORS applies to it), which would then carry the user's cookies.
  app.get("/api/ws", crossSiteGuard(isTrusted));
  app.use((_req, res, next) => {
    res.locals.metrics = deps.metrics;
    next();
  });
  app.use(metricsRoutes({ metrics: deps.metrics, token: deps.metricsToken, authRequired: deps.apiKeys.size > 0 || Boolean(deps.auth) }));
  // A page loads a graph's UI bundle with a <script> tag, which carries no credentials.
  const uis = deps.uis ?? GraphUis.none(deps.logger);
  app.use(uiAssetRoutes(uis));
  if (deps.webDir) app.use(webRoutes(deps.webDir));
  const routes = serviceRoutes(deps, uis);
  // Every route's description: the app's, and the service's routes even when a Hono app fronts them.
  app.use(openApiRoutes(() => [(app as unknown as { router: RouterLike }).router, routes as unknown as RouterLike]));
  // Authenticate first: an anonymous caller gets a 401, never a parse error, and its body is not read.
  // A request this process made in-process for a caller (a custom route's LangGraph client) is that caller's.
  // A WebSocket upgrade without credentials authenticates by its first frame instead.
  if (deps.webSockets) app.get("/api/ws", deps.webSockets.acceptUnauthenticated);
  app.use(authenticateUnlessMarked(deps.auth ? customAuthenticate(deps.auth) : authenticate(deps.apiKeys)));
  if (deps.rateLimitRpm > 0) app.use(rateLimit(new UsageCounters(deps.pool), deps.rateLimitRpm));
  // Here, not behind a custom app: an upgrade needs the connection itself, which an in-process request has not.
  app.get(
    "/api/ws",
    doc({ summary: "WebSocket: chat, resume, cancel and join frames on one socket (see the README)", tag: "threadloom API", response: { status: 101, type: [], description: "Switching protocols: the socket's frames are JSON text messages." } }),
    deps.webSockets?.route ?? ((_req, _res, next) => next(new AppError("not_found", "WebSockets are not served by this app."))),
  );
  // The manifest's custom app goes before the service's routes, as on LangGraph's server: a Hono
  // app's middleware wraps them, so they are reached through it (in-process), as it left the request.
  if (deps.customApp?.kind === "hono") {
    app.use(honoCustomApp(deps.customApp.app, inProcessServer(behindCustomApp(routes, deps)), deps.logger));
  } else {
    if (deps.customApp) app.use(expressCustomApp(deps.customApp.handler));
    app.use(routes);
  }
  // OpenAI's clients read errors in OpenAI's shape (`error.message`), not problem+json.
  app.use("/v1", problemHandler(deps.logger, OPENAI_ERRORS));
  app.use(problemHandler(deps.logger));
  return app;
}

/** The service's own routes, from after authentication to the 404 of a path none of them serves. */
function serviceRoutes(deps: AppDeps, uis: GraphUis): Router {
  const router = Router();
  const off = deps.disabledRoutes ?? new Set<RouteGroup>();
  router.use(statusRoutes({ pool: deps.pool, models: deps.models }));
  // Before the general JSON parser: an import's body may be larger than a chat request's.
  router.use(importRoutes({ pool: deps.pool, graphs: deps.graphs, checkpointer: deps.checkpointer, limits: deps.importLimits ?? DEFAULT_IMPORT_LIMITS }));
  router.use(express.json({ limit: Math.max(1_000_000, deps.maxMessageChars * 4 + 64_000) }), checkJsonBody);
  router.use("/api/providers", maskUnparsedBody);
  router.use(chatRoutes({ runs: deps.runs, maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes }));
  router.use(openAiRoutes({
    runs: deps.runs, models: new OpenAiModels(deps.graphs, new AssistantRepository(deps.pool)),
    maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes,
  }));
  router.use(uiChatRoutes({
    runs: deps.runs, branches: deps.branches, conversations: new ConversationRepository(deps.pool),
    maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes,
  }));
  // Before the thread routes, whose `/api/threads/:id` would take `/api/threads/export` for a bad id.
  router.use(threadManagementRoutes({ pool: deps.pool, runs: deps.runs, conversations: new ConversationRepository(deps.pool), maxMessageChars: deps.maxMessageChars }));
  router.use(threadRoutes({ runs: deps.runs, conversations: new ConversationRepository(deps.pool) }));
  router.use(
    branchRoutes({
      runs: deps.runs, branches: deps.branches, conversations: new ConversationRepository(deps.pool),
      maxMessageChars: deps.maxMessageChars, heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes,
    }),
  );
  router.use(assistantRoutes({ graphs: deps.graphs, assistants: new AssistantRepository(deps.pool), providers: deps.providerRefs }));
  router.use(providerRoutes({ providers: deps.providers, checkBaseUrl: deps.checkProviderUrl }));
  router.use(providerTestRoute({ providers: deps.providers, fetch: deps.providerFetch }));
  // LangGraph Agent Server API (for @langchain/langgraph-sdk): thread state and history.
  if (!off.has("threads")) router.use(stateRoutes({ pool: deps.pool, runs: deps.runs, graphs: deps.graphs }));
  // The LangGraph Agent Server's routes (no /api prefix), for the official LangGraph client.
  router.use(agentApiRoutes({
    pool: deps.pool, runs: deps.runs, branches: deps.branches, graphs: deps.graphs, schemas: deps.schemas, conversations: new ConversationRepository(deps.pool),
    assistants: deps.assistants, storedAssistants: new AssistantRepository(deps.pool), agentRuns: deps.agentRuns,
    heartbeatMs: deps.heartbeatMs, sseMaxBufferBytes: deps.sseMaxBufferBytes, logger: deps.logger, disabled: off, checkWebhook: deps.checkWebhook,
    providerRefs: deps.providerRefs,
  }));
  // The Agent Server's store (long-term memory), the caller's tenant's.
  if (!off.has("store")) router.use(storeRoutes({ store: deps.store }));
  router.use(uiComponentRoutes(uis));
  if (deps.internalTruncate) router.use(internalTruncateRoutes({ pool: deps.pool, agentRuns: deps.agentRuns, checkpointer: deps.checkpointer, store: deps.store }));
  router.use((req, _res, next) => next(new AppError("not_found", `No route for ${req.method} ${req.path}.`)));
  return router;
}

/**
 * An express app as ours are: simple query strings, and no ETags, as the Agent Server sends none
 * (express hashed every answer for one, a millisecond a megabyte, which none of our clients sends back).
 */
function bareApp(): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "simple");
  return app;
}

/**
 * The service's routes as a Hono custom app reaches them: in-process, each request continuing one
 * the front door authenticated (see `continueMarked`).
 */
function behindCustomApp(routes: RequestHandler, deps: AppDeps): Express {
  const app = bareApp();
  app.use(continueMarked({ metrics: deps.metrics, logger: deps.logger }));
  app.use(routes);
  app.use("/v1", problemHandler(deps.logger, OPENAI_ERRORS));
  app.use(problemHandler(deps.logger));
  return app;
}

const DEFAULT_IMPORT_LIMITS = { maxBytes: 52_428_800, maxMessages: 20_000 };
