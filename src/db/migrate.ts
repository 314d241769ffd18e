import { readdir, readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";

const MIGRATIONS_DIR = new URL("./migrations/", import.meta.url);
// Any constant will do; it only has to be the same in every process of the service.
export const MIGRATION_LOCK = 7_468_001;
/** How often a process waiting for another's migrations tries the lock again. */
const LOCK_POLL_MS = 200;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(): Promise<Migration[]> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  return Promise.all(
    files.map(async (file) => ({
      version: Number.parseInt(file.slice(0, 4), 10),
      name: file.slice(5, -4),
      sql: await readFile(new URL(file, MIGRATIONS_DIR), "utf8"),
    })),
  );
}

/**
 * Applies pending migrations, then `afterMigrations` (the checkpointer's own setup), all under one
 * advisory lock: replicas starting together take turns, and the later ones find nothing to do. The
 * wait for the lock ends when `signal` aborts (the process was asked to stop while starting).
 */
export async function migrate(pool: pg.Pool, afterMigrations?: () => Promise<void>, signal?: AbortSignal): Promise<number[]> {
  const migrations = await readMigrations();
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    while (!(await client.query<{ taken: boolean }>("SELECT pg_try_advisory_lock($1) AS taken", [MIGRATION_LOCK])).rows[0]!.taken) {
      await sleep(LOCK_POLL_MS, undefined, { signal });
    }
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    for (const m of migrations) {
      if (done.has(m.version)) continue;
      await client.query("BEGIN");
      try {
        await client.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
        await client.query(m.sql);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`, { cause: err });
      }
      applied.push(m.version);
    }
    await afterMigrations?.();
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
  return applied;
}
