import type pg from "pg";
import type { Prepared } from "./prepared.js";

/** pg-pool's error when no connection became free in time (a new connection's own timeout reads otherwise). */
const POOL_WAIT_TIMEOUT = "timeout exceeded when trying to connect";

/** Whether `err` is pg-pool's: every connection was in use, and none came free in time (load, not an outage). */
export function isPoolWaitTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === POOL_WAIT_TIMEOUT;
}

/**
 * A write of a run already streaming: it waits for a free connection however long the pool stays
 * busy, rather than fail the run for load. Only that wait is tried again; a connection that cannot
 * be opened, or a statement that fails, is thrown as it is.
 */
export async function queryWhenFree(pool: pg.Pool, text: string | Prepared, values: unknown[]): Promise<pg.QueryResult> {
  for (;;) {
    try {
      return await queryNow(pool, text, values);
    } catch (err) {
      if (pool.ending || !isPoolWaitTimeout(err)) throw err;
    }
  }
}

/**
 * `pool.query`, sent now when a connection is idle. pg-pool hands an idle connection over on
 * `process.nextTick`, and Node runs that queue only once the promise jobs have run out: a graph's
 * step runs its next nodes as one chain of promise jobs, so a checkpoint write it starts in the
 * background went out only when the graph next waited for I/O (its model request), and the commit
 * that acknowledges a turn's message came after the model's first token. Pulsing the queue now does
 * what that tick would (it finds nothing left to do then); not while the pool ends, which has its own.
 */
export function queryNow(pool: pg.Pool, text: string | Prepared, values: unknown[]): Promise<pg.QueryResult> {
  const result = typeof text === "string" ? pool.query(text, values) : pool.query({ ...text, values });
  const queue = pool as unknown as { _pulseQueue?: () => void };
  if (!pool.ending && typeof queue._pulseQueue === "function") queue._pulseQueue();
  return result;
}
