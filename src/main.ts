import cluster from "node:cluster";
import http from "node:http";
import v8 from "node:v8";
import pg from "pg";
import { pino } from "pino";
import { ConfigError, listenHost, loadConfig } from "./config.js";
import { answerClientError } from "./http/client-error.js";
import { clusterMetricsSource } from "./cluster/cluster-metrics.js";
import { listenOn } from "./cluster/listen-on.js";
import { runPrimary } from "./cluster/run-primary.js";
import { tellPrimary, WORKER_ENV } from "./cluster/worker-messages.js";
import { createService, type Service } from "./create-service.js";
import { describeDatabaseError, isDatabaseUnavailable } from "./db/database-unavailable.js";
import { heapShortfall } from "./heap-headroom.js";
import { applyManifestEnv } from "./manifest/apply-env.js";
import { readManifest } from "./manifest/read-manifest.js";
import { ClaimLostError } from "./runs/run-claim.js";
import { StartupError } from "./startup-error.js";

async function main(): Promise<void> {
  // The manifest's env (its .env file) is the environment of the whole process, as under the LangGraph CLI.
  const manifest = await readManifest(process.env.LANGGRAPH_JSON || "langgraph.json");
  await applyManifestEnv(manifest);
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`invalid configuration: ${err.issues.join("; ")}`);
    process.exit(1);
  }
  // Under WEB_CONCURRENCY every line says which worker wrote it (the primary's none).
  const worker = cluster.isWorker ? cluster.worker!.id : undefined;
  const logger = pino({ level: config.LOG_LEVEL, base: worker === undefined ? { service: "threadloom" } : { service: "threadloom", worker, pid: process.pid } });
  const primary = cluster.isPrimary && config.WEB_CONCURRENCY > 1;
  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  const heapLimitMiB = Math.floor(heapLimit / 2 ** 20);
  if (worker === undefined) logger.info({ node: process.version, heapLimitMiB, ...(primary && { workers: config.WEB_CONCURRENCY }) }, "starting threadloom");
  else logger.info("starting worker");
  // Each worker runs its own MAX_CONCURRENT_RUNS (the primary none).
  const short = primary ? undefined : heapShortfall(config.MAX_CONCURRENT_RUNS, heapLimit);
  if (short) logger.warn(short, "MAX_CONCURRENT_RUNS runs may need more heap than V8's limit allows: raise --max-old-space-size in the start command");
  // The last net: a database failure nothing awaited (LangGraph writes checkpoints in the background
  // and looks at the outcome only when the run ends) is logged, and the process goes on. So is a
  // fenced write refused to a run that lost its claim (already stopped by it): with a store attached,
  // LangGraph 1.4.18 leaves that write's failure unhandled for a moment (its batched store stops
  // before the run awaits its writes: on a timer until src/runs/store-batching.ts, which shortens the
  // moment, perhaps to nothing; not measured), then handles it. Any other unhandled rejection is a
  // bug and still ends the process, as Node would.
  process.on("unhandledRejection", (reason) => {
    if (reason instanceof ClaimLostError) return void logger.debug({ runId: reason.runId }, "a refused write of a stopped run was handled late");
    if (!isDatabaseError(reason)) throw reason;
    logger.error({ err: { ...describeDatabaseError(reason), stack: (reason as Error).stack } }, "a database operation failed with nothing waiting for it");
  });
  const authenticated = config.API_KEYS.size > 0 || Boolean(manifest.auth);
  const host = listenHost(config, authenticated);
  const announce = (demo: boolean, port: number) => {
    if (demo) logger.warn("using the offline DEMO model (deterministic, for trying things out): set OPENAI_API_KEY or OPENAI_BASE_URL to use a real one");
    if (!authenticated && !["127.0.0.1", "::1", "localhost"].includes(host)) {
      logger.warn({ host }, "no API_KEYS set but HOST is not loopback: anyone who can reach this address can use the service");
    } else if (!authenticated) {
      logger.warn("no API_KEYS set: listening on this machine only, without authentication");
    }
    logger.info({ url: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`, ...(primary && { workers: config.WEB_CONCURRENCY }) }, "threadloom is listening");
  };
  if (primary) return runPrimary({ config, logger, host, announce });

  // The port is taken first: when it is in use, start-up stops before anything else was started.
  let service: Service | undefined;
  const server = http.createServer((req, res) => {
    if (service) return void service.app(req, res);
    res.writeHead(503, { "content-type": "application/problem+json", "retry-after": "1" });
    res.end(JSON.stringify({ type: "about:blank#unavailable", title: "Service unavailable", status: 503, detail: "The service is starting." }));
  });
  // A request Node's parser refuses (headers over its limit, not HTTP) is answered as bad input is, as a problem.
  server.on("clientError", answerClientError);
  await listenOn(server, config.PORT, host);

  let signalled: string | undefined;
  let started = false;
  const starting = new AbortController();
  const stop = async (signal: string) => {
    if (signalled) return;
    signalled = signal;
    // Stopped while starting: a wait for another process's migrations ends at once; any other step
    // of start-up is bounded, finishes (or fails), then stops below.
    if (!started) {
      logger.info({ signal }, "shutting down while starting");
      return void starting.abort();
    }
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS }, "shutting down: finishing running runs");
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await service!.close();
    server.closeAllConnections();
    await closed;
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));

  try {
    service = await createService(config, logger, starting.signal, { demoModelUrl: worker === undefined ? undefined : process.env[WORKER_ENV.demoModelUrl] });
  } catch (err) {
    // createService stops whatever it had started; the port is all that is left.
    server.close();
    if (!starting.signal.aborted) throw err;
    logger.info("stopped");
    process.exit(0);
  }
  started = true;
  service.attach(server);
  if (worker !== undefined) service.metrics.answerWith(clusterMetricsSource(service.metrics.registry));
  const { port } = server.address() as { port: number };

  // A worker tells its primary, which says it all once for every worker.
  if (worker === undefined) announce(service.model.demo, port);
  else {
    logger.info({ port, poolMax: config.DB_POOL_MAX }, "worker serving");
    await tellPrimary({ type: "threadloom:ready", port });
  }
  if (signalled) {
    const signal = signalled;
    signalled = undefined;
    await stop(signal);
  }
}

/** An error PostgreSQL sent, or one reaching it (connection refused, cut, timed out). */
function isDatabaseError(err: unknown): boolean {
  return err instanceof pg.DatabaseError || isDatabaseUnavailable(err);
}

main().catch(async (err) => {
  // What the user can fix is one line; anything else shows where it came from. A worker's failure
  // is its primary's to report: once, however many workers failed alike.
  const message = err instanceof StartupError ? err.message : String((err as Error)?.stack ?? err);
  if (cluster.isWorker) await tellPrimary({ type: "threadloom:startup-failed", message });
  else console.error(err instanceof StartupError ? err.message : err);
  process.exit(1);
});
