import { StartupError } from "../startup-error.js";

/** Connections of a worker besides its pool: the worker lease's and the LISTEN connection's. */
export const CONNECTIONS_BESIDE_POOL = 2;
/** Left free for everything else: psql, a monitoring agent, a replaced worker whose connections are not yet gone. */
export const KEPT_FREE = 5;

export interface ConnectionLimit {
  /** The server's `max_connections`. */
  max: number;
  /** Slots only superusers (and roles with pg_use_reserved_connections) may take. */
  reserved: number;
}

export interface PoolBudget {
  /** DB_POOL_MAX each worker gets. */
  poolMax: number;
  /** Set when it is lower than the configured DB_POOL_MAX. */
  loweredFrom?: number;
  /** Connections the workers may open at most, all together. */
  total: number;
  /** What the server leaves for them. */
  available: number;
}

/**
 * Each worker's pool so that all of them together stay under `max_connections`. Too many workers for
 * the configured pool: each pool is lowered (a smaller pool only queues queries a little longer);
 * too many for even the smallest pool (2): refused, naming the numbers and both ways out.
 */
export function poolBudget(workers: number, configuredPoolMax: number, limit: ConnectionLimit): PoolBudget {
  const available = limit.max - limit.reserved - KEPT_FREE;
  const perWorker = (pool: number) => pool + CONNECTIONS_BESIDE_POOL;
  if (workers * perWorker(configuredPoolMax) <= available) {
    return { poolMax: configuredPoolMax, total: workers * perWorker(configuredPoolMax), available };
  }
  const lowered = Math.floor(available / workers) - CONNECTIONS_BESIDE_POOL;
  if (lowered >= 2) return { poolMax: lowered, loweredFrom: configuredPoolMax, total: workers * perWorker(lowered), available };
  const mostWorkers = Math.max(1, Math.floor(available / perWorker(2)));
  throw new StartupError(
    `WEB_CONCURRENCY=${workers}: ${workers} workers need at least ${workers * perWorker(2)} PostgreSQL connections (a pool of 2 and ${CONNECTIONS_BESIDE_POOL} more each), ` +
      `but the server allows ${limit.max} (max_connections) of which ${limit.reserved} are reserved and ${KEPT_FREE} kept free: ` +
      `set WEB_CONCURRENCY to at most ${mostWorkers}, or raise max_connections to at least ${workers * perWorker(configuredPoolMax) + limit.reserved + KEPT_FREE}`,
  );
}
