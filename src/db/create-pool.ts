import pg from "pg";
import type { Logger } from "pino";

export interface PoolOptions {
  max?: number;
  logger?: Logger;
  applicationName?: string;
}

/**
 * The one pool of the process. pg waits forever for a connection by default and an idle
 * client's error would crash the process without a listener; both are set here.
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? "threadloom",
  });
  // Once the pool is ending, a connection cut by the server (being stopped) is expected.
  pool.on("error", (err) => {
    if (pool.ending) options.logger?.debug({ err }, "idle database client closed while the pool ends");
    else options.logger?.error({ err }, "idle database client failed");
  });
  return pool;
}

/**
 * Ends the pool and waits until its connections are closed. `pool.end()` resolves once they are
 * handed back and told to end, before the server has seen them go: a server stopped at that
 * moment ends them itself, with "terminating connection due to administrator command".
 */
export async function endPool(pool: pg.Pool, waitMs = 5_000): Promise<void> {
  let open = pool.totalCount;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on("remove", () => {
      if (--open <= 0) resolve();
    });
    // A connection still being opened is never removed: bounded.
    timer = setTimeout(resolve, waitMs);
  });
  await pool.end();
  await closed;
  clearTimeout(timer);
}
