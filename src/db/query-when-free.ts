import type pg from "pg";

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
export async function queryWhenFree(pool: pg.Pool, text: string, values: unknown[]): Promise<pg.QueryResult> {
  for (;;) {
    try {
      return await pool.query(text, values);
    } catch (err) {
      if (pool.ending || !isPoolWaitTimeout(err)) throw err;
    }
  }
}
