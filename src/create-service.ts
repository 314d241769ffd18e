import type http from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Express } from "express";
import type { Logger } from "pino";
import { DEMO_MODEL_NAME, startDemoModel } from "../graphs/lib/demo-model.js";
import { runCallbacksInLine } from "./callbacks-in-line.js";
import { batchStoreOperationsOnDemand } from "./runs/store-batching.js";
import { createApp } from "./app.js";
import { allowedHosts, type Config, usesDemoModel } from "./config.js";
import { openDatabase, type Database } from "./db/open-database.js";
import { TokenQuota } from "./limits/token-quota.js";
import { UsageCounters } from "./limits/usage-counters.js";
import { Metrics } from "./metrics/metrics.js";
import { readGraphDefaults } from "./manifest/graph-defaults.js";
import { loadGraphs } from "./manifest/load-graphs.js";
import { exposeModelToGraphs } from "./models/expose-model.js";
import { ModelServers } from "./models/model-servers.js";
import { GraphRegistry } from "./runs/graph-registry.js";
import { RunManager } from "./runs/run-manager.js";
import { threadConfig } from "./runs/thread-config.js";
import { ThreadBranches } from "./runs/thread-branches.js";
import { WorkerLease } from "./runs/worker-lease.js";
import { AgentAssistants } from "./agent-api/agent-assistants.js";
import { AgentRuns } from "./agent-api/agent-runs.js";
import { AssistantRepository } from "./assistants/assistant-repository.js";
import { CHANNELS, Notifier } from "./runs/notifier.js";
import { RunEventLog } from "./runs/run-event-log.js";
import { NativeRunEvents } from "./runs/native-run-events.js";
import { RunQueue } from "./runs/run-queue.js";
import { ProviderRepository } from "./providers/provider-repository.js";
import { SecretBox } from "./providers/secret-box.js";
import { ProviderModels } from "./providers/provider-models.js";
import { installProviderRegistry } from "./providers/provider-registry.js";
import { ProviderRefs } from "./providers/provider-refs.js";
import { checkBaseUrl, providerFetch } from "./providers/provider-fetch.js";
import { type ProviderPolicy, providerPolicy as providerPolicyFrom } from "./providers/provider-policy.js";
import { RetentionSweeper } from "./retention/retention-sweeper.js";
import { RunRepository } from "./runs/run-repository.js";
import { GraphSchemas } from "./schemas/graph-schemas.js";
import { defaultSchemaCacheDir } from "./schemas/schema-cache.js";
import { StartupError } from "./startup-error.js";
import { openAIEmbedder } from "./store/openai-embedder.js";
import { StoreRepository } from "./store/store-repository.js";
import { TenantStore } from "./store/tenant-store.js";
import { enableVectorSearch } from "./store/vector-support.js";
import { wireJson } from "./agent-api/wire-json.js";
import { customAppFetch } from "./http/custom-app-fetch.js";
import { bindLoopbackFetch } from "./http/loopback-fetch.js";
import { GraphUis } from "./ui/graph-uis.js";
import { webhookChecker } from "./webhooks/check-webhook.js";
import { WebSocketEndpoint } from "./ws/ws-endpoint.js";
import { WebhookDispatcher } from "./webhooks/webhook-dispatcher.js";
import { AddressPolicy } from "./net/address-policy.js";

/** Where the OpenAI client sends requests when OPENAI_BASE_URL is not set. */
const OPENAI_API_URL = "https://api.openai.com/v1";

/** This service's folder: graphs elsewhere resolve LangGraph and LangChain from its packages. */
const PROJECT_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Where `npm run build:web` (run by `npm ci`) writes the web app. */
const WEB_DIST_DIR = join(PROJECT_ROOT, "dist", "web");

export interface Service {
  app: Express;
  runs: RunManager;
  graphs: GraphRegistry;
  /** Each graph's JSON schemas. */
  schemas: GraphSchemas;
  /** Resolves once the graphs' types read at start-up are read (or failed to be); nothing waits for it. */
  schemasReady: Promise<void>;
  db: Database;
  agentRuns: AgentRuns;
  /** Retention sweeps (checkpointer.ttl, CHECKPOINT_PRUNE_AFTER_MINUTES); idle unless configured. */
  retention: RetentionSweeper;
  /** The model's name, and whether it is the offline demo model. */
  model: { name: string; demo: boolean };
  /** The model servers runs call (today one), shown without credentials, with their last call's outcome. */
  models: ModelServers;
  /** This service's Prometheus metrics (GET /metrics); other parts record into it. */
  metrics: Metrics;
  /** The tenants' model providers, their secrets opened with SECRETS_KEY (or SECRETS_OLD_KEYS). */
  providers: ProviderRepository;
  /** Where provider connections may go: PROVIDER_ALLOWED_HOSTS, and the environment's own model server by origin. */
  providerPolicy: ProviderPolicy;
  /** The fetch provider connections use (pinned to the address checked, no redirects): give it to the OpenAI client. */
  providerFetch: typeof fetch;
  /** Serves `GET /api/ws` (WebSocket upgrades) on the HTTP server that serves `app`. */
  attach(server: http.Server): void;
  /** Lets running runs finish within `graceMs`, stops the rest, closes WebSockets, then releases everything. */
  close(graceMs?: number): Promise<void>;
}

/** Servers another process started for this one (the primary of `WEB_CONCURRENCY` workers). */
export interface SharedServers {
  /** The offline demo model's base URL, used instead of starting one. */
  demoModelUrl?: string;
}

/**
 * Wires the whole service from its configuration: database, model, graphs, runs, HTTP app. An aborted
 * `signal` ends a wait for another process's migrations (start-up then fails, having stopped what it started).
 */
export async function createService(config: Config, logger: Logger, signal?: AbortSignal, shared: SharedServers = {}): Promise<Service> {
  const cleanup: (() => Promise<void>)[] = [];
  try {
    // A worker of `WEB_CONCURRENCY` uses the demo model its primary started (the primary closes it).
    const demo = !usesDemoModel(config) ? undefined
      : shared.demoModelUrl ? { baseURL: shared.demoModelUrl, model: DEMO_MODEL_NAME, close: async () => {} }
      : await startDemoModel({ tokenDelayMs: config.DEMO_TOKEN_DELAY_MS });
    if (demo) cleanup.unshift(() => demo.close());
    const modelName = demo?.model ?? config.OPENAI_MODEL;
    const baseURL = demo?.baseURL ?? config.OPENAI_BASE_URL;
    // Graphs read their model from the environment, as under the LangGraph CLI: ours, the demo's when no model is configured.
    exposeModelToGraphs({ model: modelName, baseURL, apiKey: config.OPENAI_API_KEY, maxRetries: demo ? 0 : config.OPENAI_MAX_RETRIES });
    // Without a tracer, LangChain's callbacks (the `messages` stream mode's, per token) run in line.
    runCallbacksInLine();
    // A run's store operations are batched when issued, not polled for every millisecond of the run.
    const unpatched = batchStoreOperationsOnDemand();
    if (unpatched.length > 0) logger.warn({ copies: unpatched }, "LangGraph's AsyncBatchedStore is not the class threadloom knows: each run's store keeps LangGraph's 1 ms poll");
    const models = new ModelServers([{ baseURL, apiKey: config.OPENAI_API_KEY, model: modelName, demo: Boolean(demo) }]);
    for (const server of models.servers) {
      logger.info({ baseUrl: server.baseUrl, model: server.model, demo: server.demo }, `model server: ${server.baseUrl}, model ${server.model}${server.demo ? " (the offline demo model)" : ""}`);
    }
    // The graphs load before the database opens: a wrong manifest stops start-up with nothing else started.
    const { graphs: loaded, auth, manifest, customApp } = await loadGraphs(config.LANGGRAPH_JSON, logger);
    if (auth && config.API_KEYS.size > 0) {
      throw new StartupError(`API_KEYS and the manifest's auth (${auth.spec}) are both set, and only one may authenticate: unset API_KEYS, or remove "auth" from ${config.LANGGRAPH_JSON}`);
    }
    const defaultGraphId = config.DEFAULT_ASSISTANT_ID ?? loaded[0].spec.id;
    if (!loaded.some((g) => g.spec.id === defaultGraphId)) {
      throw new StartupError(`DEFAULT_ASSISTANT_ID: "${defaultGraphId}" is not a graph of ${config.LANGGRAPH_JSON} (it lists ${loaded.map((g) => g.spec.id).join(", ")})`);
    }
    // Read after the manifest's env is applied: the manifest may set it, as LangGraph's fixtures do.
    const graphDefaults = readGraphDefaults(process.env.LANGGRAPH_CONFIG, loaded.map((g) => g.spec.id), logger);
    const db = await openDatabase({
      url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolMax: config.DB_POOL_MAX, connectTimeoutMs: config.DB_CONNECT_TIMEOUT_MS, logger, signal,
    });
    cleanup.push(() => db.close());
    const { checkpointer } = db;
    const schemas = new GraphSchemas({
      graphs: loaded, logger, cacheDir: config.SCHEMA_CACHE_DIR ?? defaultSchemaCacheDir(), waitMs: config.SCHEMA_WAIT_MS,
      extractTimeoutMs: config.SCHEMA_EXTRACT_TIMEOUT_MS, projectRoot: PROJECT_ROOT,
    });
    // The store: each tenant's items, searched by meaning when the manifest's store.index says how to embed them.
    const index = manifest.storeIndex;
    const store = new StoreRepository(db.pool, index && {
      embed: openAIEmbedder({ baseURL: baseURL ?? OPENAI_API_URL, apiKey: config.OPENAI_API_KEY, model: index.model }),
      dims: index.dims, fields: index.fields ?? ["$"], vectors: await enableVectorSearch(db.pool, logger),
    });
    const graphs = new GraphRegistry(loaded, defaultGraphId, {
      checkpointer, storeFor: (tenantId) => new TenantStore(store, tenantId), threadConfig: (threadId) => threadConfig(db.pool, threadId),
    }, graphDefaults);
    const lease = await WorkerLease.acquire({ connectionString: db.url, ttlMs: config.LEASE_TTL_MS, logger });
    cleanup.unshift(() => lease.release());
    // Read when scraped; `runs` is assigned below, before anything can scrape.
    const metrics = new Metrics({ pool: db.pool, activeRuns: (): number => runs.activeCount, leaseHeld: () => lease.status === "held" });
    db.onReconnected(() => metrics.dbReconnects.inc({ connection: "pool" }));
    const notifier = await Notifier.connect(db.url, logger, { onReconnected: () => metrics.dbReconnects.inc({ connection: "listener" }) });
    cleanup.unshift(() => notifier.close());
    const providers = new ProviderRepository(db.pool, new SecretBox(config.SECRETS_KEY, config.SECRETS_OLD_KEYS));
    const providerPolicy = providerPolicyFrom(config.PROVIDER_ALLOWED_HOSTS, [baseURL ?? OPENAI_API_URL]);
    const fetchForProviders = providerFetch(providerPolicy);
    cleanup.unshift(() => fetchForProviders.close());
    // Runs on a provider: its client is built when the model is called, the secrets opened then (see provider-models).
    const providerModels = new ProviderModels({
      connection: (tenantId, providerId) => providers.connection(tenantId, providerId),
      // The address policy (PROVIDER_ALLOWED_HOSTS), the host resolved once and pinned, no redirects.
      fetch: fetchForProviders,
      maxRetries: config.OPENAI_MAX_RETRIES,
    });
    models.alsoRedact((text) => providerModels.redact(text));
    installProviderRegistry();
    const providerRefs = new ProviderRefs(async (tenantId, providerId) => (await providers.get(tenantId, providerId)) !== undefined);
    let queue: RunQueue | undefined;
    const eventLog = new RunEventLog(db.pool, notifier, logger);
    const runs = new RunManager({
      pool: db.pool,
      checkpointer,
      graphs,
      lease,
      limits: { runTimeoutMs: config.RUN_TIMEOUT_MS, modelIdleTimeoutMs: config.MODEL_IDLE_TIMEOUT_MS },
      logger,
      models,
      maxAttempts: config.RUN_MAX_ATTEMPTS,
      metrics,
      providers: providerModels,
      providerRefs,
      quota: config.TOKEN_QUOTA_PER_DAY > 0 ? new TokenQuota(new UsageCounters(db.pool), config.TOKEN_QUOTA_PER_DAY) : undefined,
      nativeEvents: new NativeRunEvents(db.pool, eventLog),
      maxRuns: config.MAX_CONCURRENT_RUNS,
      // A place freed in a full process: a run left pending for want of one can start.
      onRoom: () => queue?.kick(),
      // A thread freed with runs waiting: this process takes the next, or tells the others to.
      onQueueReady: () => {
        if (queue?.hasRoom) queue.kick();
        else db.pool.query(`SELECT pg_notify('${CHANNELS.runQueued}', '')`).catch((err) => logger.warn({ err }, "could not notify the run queue"));
      },
    });
    const assistants = new AgentAssistants(graphs, new AssistantRepository(db.pool));
    const webhookPolicy = new AddressPolicy(config.WEBHOOK_ALLOWED_HOSTS);
    const webhooks = new WebhookDispatcher({
      pool: db.pool, logger: logger.child({ component: "webhooks" }), policy: webhookPolicy,
      sendToApp: customApp && customAppFetch(customApp, logger),
      timeoutMs: config.WEBHOOK_TIMEOUT_MS, maxAttempts: config.WEBHOOK_MAX_ATTEMPTS, retryBaseMs: config.WEBHOOK_RETRY_BASE_MS,
      async currentValues({ graphId, threadId }) {
        if (!graphs.has(graphId)) return undefined;
        const state = await (await graphs.forThread(graphId, threadId)).getState({ configurable: { thread_id: threadId } });
        return wireJson(state.values);
      },
    });
    cleanup.unshift(() => webhooks.close());
    const agentRuns = new AgentRuns({
      pool: db.pool, manager: runs, graphs, assistants, checkpointer, eventLog, notifier, logger,
      kick: () => queue?.kick(), webhooks,
    });
    cleanup.unshift(async () => agentRuns.close());
    let pruned = 0;
    queue = new RunQueue({
      runs: new RunRepository(db.pool), notifier, lease, logger,
      concurrency: config.RUN_QUEUE_CONCURRENCY, pollMs: config.RUN_QUEUE_POLL_MS,
      execute: (run, place) => agentRuns.execute(run, place),
      reservePlace: () => runs.reservePlace(),
      guardClaim: (claim) =>
        runs.claiming(async () => {
          const run = await claim();
          if (run) runs.hold(run.runId);
          return run;
        }),
      async maintain() {
        await runs.recover();
        if (Date.now() - pruned < 60_000) return;
        pruned = Date.now();
        const deleted = await eventLog.prune(config.RUN_EVENTS_RETENTION_MS);
        if (deleted > 0) logger.info({ deleted }, "pruned old run events");
      },
    });
    // Unproven for LEASE_TTL_MS / 2: stop our runs before others reap them; back: take queued runs again.
    lease.onLost(() => runs.abandonAll());
    lease.onRetaken(() => {
      metrics.dbReconnects.inc({ connection: "lease" });
      queue?.kick();
    });
    await runs.recover();
    queue.start();
    webhooks.start();
    const retention = new RetentionSweeper({
      pool: db.pool, logger: logger.child({ component: "retention" }),
      settings: { ttl: manifest.checkpointerTtl, pruneAfterMinutes: config.CHECKPOINT_PRUNE_AFTER_MINUTES },
    });
    await retention.start();
    cleanup.unshift(() => retention.stop());
    const uis = new GraphUis(manifest.ui, manifest.uiShared, logger);
    uis.start();
    const branches = new ThreadBranches({ pool: db.pool, graphs, checkpointer });
    const webSockets = new WebSocketEndpoint({
      runs, maxMessageChars: config.MAX_MESSAGE_CHARS, heartbeatMs: config.HEARTBEAT_MS, maxBufferBytes: config.SSE_MAX_BUFFER_BYTES, apiKeys: config.API_KEYS, auth, logger,
    });
    const app = createApp({
      branches, checkpointer, pool: db.pool, runs, graphs, store, schemas, logger, apiKeys: config.API_KEYS, maxMessageChars: config.MAX_MESSAGE_CHARS,
      heartbeatMs: config.HEARTBEAT_MS, sseMaxBufferBytes: config.SSE_MAX_BUFFER_BYTES, agentRuns, assistants, corsOrigins: config.CORS_ORIGINS, models,
      auth, allowedHosts: allowedHosts(config, config.API_KEYS.size > 0 || Boolean(auth)), metrics, metricsToken: config.METRICS_TOKEN, rateLimitRpm: config.RATE_LIMIT_RPM,
      internalTruncate: config.INTERNAL_TRUNCATE_ENABLED,
      importLimits: { maxBytes: config.IMPORT_MAX_BYTES, maxMessages: config.IMPORT_MAX_MESSAGES },
      customApp, httpCors: manifest.http.cors, disabledRoutes: manifest.http.disabled, uis,
      checkWebhook: webhookChecker(webhookPolicy, Boolean(customApp)),
      webDir: config.WEB_APP_ENABLED ? WEB_DIST_DIR : undefined,
      webSockets,
      providerRefs,
      providers,
      checkProviderUrl: (url) => checkBaseUrl(url, providerPolicy),
      providerFetch: fetchForProviders,
    });
    // A LangGraph Client made without a URL (in a custom route) reaches this service in-process.
    const unbindLoopback = bindLoopbackFetch(app);
    cleanup.unshift(async () => unbindLoopback());
    // Annotation graphs' schemas come from their types: read in a worker while the service serves
    // (started last: a start-up that fails leaves nothing running).
    const schemasReady = schemas.start();
    return {
      app,
      runs,
      graphs,
      schemas,
      schemasReady,
      db,
      agentRuns,
      retention,
      model: { name: modelName, demo: Boolean(demo) },
      models,
      metrics,
      providers,
      providerPolicy,
      providerFetch: fetchForProviders,
      attach(server) {
        webSockets.attach(server, app);
      },
      async close(graceMs = config.SHUTDOWN_GRACE_MS) {
        db.embedded?.beginStop();
        webSockets.stopAccepting();
        await queue?.stop();
        await runs.shutdown(graceMs);
        // The runs' last events are sent and recorded: the sockets close after them, before the pool.
        await webSockets.close();
        for (const step of cleanup) await step();
      },
    };
  } catch (err) {
    for (const step of cleanup) await step().catch(() => {});
    throw err;
  }
}
