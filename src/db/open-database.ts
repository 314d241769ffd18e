import type { ThreadloomSaver } from "./threadloom-saver.js";
import type pg from "pg";
import type { Logger } from "pino";
import { createCheckpointer } from "./create-checkpointer.js";
import { createPool, endPool } from "./create-pool.js";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./embedded-postgres.js";
import { migrate } from "./migrate.js";
import { probeDatabase } from "./probe-database.js";

export interface Database {
  /** Where the pool connects; the embedded server's address when there is one. */
  url: string;
  pool: pg.Pool;
  checkpointer: ThreadloomSaver;
  /** Set when the service started its own PostgreSQL. */
  embedded?: EmbeddedDatabase;
  /** Called each time the pool obtains a connection again after the database was unavailable. */
  onReconnected(listener: () => void): void;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  url?: string;
  dataDir: string;
  poolMax: number;
  logger: Logger;
  /** How long the first connection to DATABASE_URL may take before start-up gives up. */
  connectTimeoutMs?: number;
  /** Aborted: stop waiting (for another process's migrations) and undo what was started. */
  signal?: AbortSignal;
}

/** Connects (starting the embedded server when no URL is given), migrates, and sets up the saver. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  let embedded: EmbeddedDatabase | undefined;
  let url = options.url;
  if (url) {
    await probeDatabase(url, options.connectTimeoutMs ?? 5_000);
  } else {
    embedded = await startEmbeddedPostgres({ dataDir: options.dataDir, logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) } });
    url = embedded.url;
    logger.info({ port: embedded.port, dataDir: options.dataDir }, "started embedded PostgreSQL (set DATABASE_URL to use your own)");
  }
  // The pool exists before whatever counts its reconnects (the metrics read the pool).
  const reconnected = new Set<() => void>();
  const pool = createPool(url, { max: options.poolMax, logger, onReconnected: () => reconnected.forEach((listener) => listener()) });
  try {
    const checkpointer = createCheckpointer(pool);
    const applied = await migrate(pool, () => checkpointer.setup(), options.signal);
    if (applied.length > 0) logger.info({ applied }, "applied migrations");
    return {
      url,
      pool,
      checkpointer,
      embedded,
      onReconnected: (listener) => void reconnected.add(listener),
      async close() {
        // Every connection closed first: the server is stopped only once nothing uses it.
        await endPool(pool);
        await embedded?.stop();
      },
    };
  } catch (err) {
    await endPool(pool).catch(() => {});
    await embedded?.stop().catch(() => {});
    throw err;
  }
}
