import net from "node:net";
import type { Logger } from "pino";
import { startDemoModel, type DemoModel } from "../../graphs/lib/demo-model.js";
import { type Config, usesDemoModel } from "../config.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "../db/embedded-postgres.js";
import { probeDatabase } from "../db/probe-database.js";
import { aggregateWorkerMetrics } from "./cluster-metrics.js";
import { listenOn } from "./listen-on.js";
import { poolBudget } from "./pool-budget.js";
import { readConnectionLimit } from "./read-connection-limit.js";
import { WORKER_ENV } from "./worker-messages.js";
import { WorkerSupervisor } from "./worker-supervisor.js";

export interface PrimaryOptions {
  config: Config;
  logger: Logger;
  host: string;
  /** Logs what a user should know once the service serves (the demo model, no authentication, the URL). */
  announce(demo: boolean, port: number): void;
}

/**
 * The primary of `WEB_CONCURRENCY` workers: it serves nothing itself. It starts what the workers
 * share (the embedded PostgreSQL and the demo model, when they are used) once, sizes their pools to
 * the server's `max_connections`, keeps them running, and on SIGTERM or SIGINT lets each finish its
 * runs before it stops the shared servers. Start-up failures are thrown (main prints them once).
 */
export async function runPrimary({ config, logger, host, announce }: PrimaryOptions): Promise<void> {
  let signalled: string | undefined;
  let embedded: EmbeddedDatabase | undefined;
  let demo: DemoModel | undefined;
  let supervisor: WorkerSupervisor | undefined;
  let port = config.PORT;
  let sharedStopped: Promise<void> | undefined;
  const stopShared = () =>
    (sharedStopped ??= (async () => {
      await demo?.close().catch(() => {});
      await embedded?.stop();
    })());
  const stop = async (signal: string) => {
    if (signalled) return;
    signalled = signal;
    logger.info({ signal, graceMs: config.SHUTDOWN_GRACE_MS, workers: supervisor?.size ?? 0 }, "shutting down: each worker finishes its runs");
    // Still starting: the step under way finishes (every one is bounded), then start-up stops below.
    if (!supervisor) return;
    embedded?.beginStop();
    await supervisor.stop(config.SHUTDOWN_GRACE_MS);
    await stopShared();
    logger.info("stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  const stoppedWhileStarting = async () => {
    await stopShared();
    logger.info("stopped");
    process.exit(0);
  };

  // The port first, as one process does: in use, nothing else is started. (Port 0: each start picks one.)
  if (config.PORT !== 0) {
    const probe = net.createServer();
    await listenOn(probe, config.PORT, host);
    await new Promise((resolve) => probe.close(resolve));
  }
  try {
    let url = config.DATABASE_URL;
    if (url) await probeDatabase(url, config.DB_CONNECT_TIMEOUT_MS);
    else {
      embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) } });
      url = embedded.url;
      logger.info({ port: embedded.port, dataDir: config.DATA_DIR }, "started embedded PostgreSQL (set DATABASE_URL to use your own)");
    }
    if (signalled) return await stoppedWhileStarting();
    const workers = config.WEB_CONCURRENCY;
    const limit = await readConnectionLimit(url, config.DB_CONNECT_TIMEOUT_MS);
    const budget = poolBudget(workers, config.DB_POOL_MAX, limit);
    if (budget.loweredFrom !== undefined) {
      logger.warn(
        { workers, poolMax: budget.poolMax, configured: budget.loweredFrom, maxConnections: limit.max, reserved: limit.reserved, total: budget.total },
        `DB_POOL_MAX lowered from ${budget.loweredFrom} to ${budget.poolMax} in each of ${workers} workers: together they may open ${budget.total} connections, ` +
          `and the server allows ${limit.max} (max_connections, ${limit.reserved} reserved); raise max_connections or lower WEB_CONCURRENCY to keep ${budget.loweredFrom}`,
      );
    }
    demo = usesDemoModel(config) ? await startDemoModel({ tokenDelayMs: config.DEMO_TOKEN_DELAY_MS }) : undefined;
    if (signalled) return await stoppedWhileStarting();
    const env: Record<string, string> = { DATABASE_URL: url, DB_POOL_MAX: String(budget.poolMax) };
    if (demo) env[WORKER_ENV.demoModelUrl] = demo.baseURL;
    logger.info({ workers, poolMax: budget.poolMax }, `starting ${workers} workers`);
    aggregateWorkerMetrics();
    supervisor = new WorkerSupervisor({
      logger, env,
      onFatal: (error) => {
        logger.error({ err: error.message }, "giving up: workers keep failing to start");
        void (async () => {
          await supervisor?.stop(config.SHUTDOWN_GRACE_MS);
          await stopShared().catch(() => {});
        })().finally(() => {
          console.error(error.message);
          process.exit(1);
        });
      },
    });
    port = await supervisor.start(workers);
  } catch (err) {
    supervisor = undefined;
    await stopShared().catch(() => {});
    if (signalled) return await stoppedWhileStarting();
    throw err;
  }
  if (signalled) {
    const signal = signalled;
    signalled = undefined;
    return stop(signal);
  }
  announce(Boolean(demo), port);
}
