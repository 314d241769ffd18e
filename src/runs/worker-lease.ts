import { randomInt } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";

/** The first key of the two-key advisory locks that mark a live worker (any constant will do). */
export const WORKER_LOCK_CLASS = 7468;

export interface WorkerLease {
  workerId: number;
  release(): Promise<void>;
}

/**
 * Proves this process alive to every replica: a session-level advisory lock on its worker id, held
 * on a connection of its own. When the process dies, PostgreSQL drops the connection and the lock,
 * and the runs recorded with this worker id are seen as orphaned at once, with no timeout to wait.
 */
export async function acquireWorkerLease(connectionString: string, logger: Logger): Promise<WorkerLease> {
  const client = new pg.Client({ connectionString, application_name: "threadloom-worker", connectionTimeoutMillis: 10_000 });
  client.on("error", (err) => logger.error({ err }, "worker lease connection failed; runs of this process may be reaped by others"));
  await client.connect();
  for (let attempt = 0; attempt < 20; attempt++) {
    const workerId = randomInt(1, 2 ** 31 - 1);
    const { rows } = await client.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [WORKER_LOCK_CLASS, workerId]);
    if (rows[0].ok) {
      return { workerId, release: () => client.end().catch(() => {}) };
    }
  }
  await client.end();
  throw new Error("could not take a worker lease");
}
