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
  pool.on("error", (err) => options.logger?.error({ err }, "idle database client failed"));
  return pool;
}
