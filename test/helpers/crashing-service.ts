import type pg from "pg";
import { expect, vi } from "vitest";
import type { MockOpenAI } from "./mock-openai.js";
import { startServiceProcess, type ServiceProcess } from "./service-process.js";
import type { TestDatabase } from "./test-database.js";

/**
 * `npm start` processes on one test database and one mock model, as crash tests run them: a short
 * lease (LEASE_TTL_MS=4000), so that a killed process's runs are taken back within seconds.
 */
export function startCrashableService(db: TestDatabase, mock: MockOpenAI, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startServiceProcess({
    ...process.env,
    DATABASE_URL: db.url,
    OPENAI_BASE_URL: mock.baseURL,
    OPENAI_API_KEY: "x",
    OPENAI_MODEL: "mock-model",
    OPENAI_MAX_RETRIES: "0",
    LOG_LEVEL: "info",
    LEASE_TTL_MS: "4000",
    ...env,
  });
}

/** SIGKILL, as the OOM killer or a lost machine would; resolves once the process is gone. */
export async function killService(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
  await service.exited;
}

/**
 * Waits until no lease is live but those of `alive` processes' workers (none by default): a killed
 * process's runs are another's to take back only then (a dropped session alone is no death).
 */
export async function untilLeasesExpired(pool: pg.Pool, { keep = 0, timeout = 20_000 }: { keep?: number; timeout?: number } = {}): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await pool.query("SELECT count(*)::int AS n FROM workers WHERE expires_at > now()");
      if (rows[0].n > keep) throw new Error(`${rows[0].n} live leases, waiting for ${keep}`);
    },
    { timeout, interval: 100 },
  );
}

/** The worker id a process's lease was taken under, from its log. */
export function workerIdOf(service: ServiceProcess): number {
  for (const line of service.logs().split("\n")) {
    if (!line.startsWith("{")) continue;
    const entry = JSON.parse(line) as { msg?: string; workerId?: number };
    if (entry.msg === "worker lease taken" && entry.workerId !== undefined) return entry.workerId;
  }
  throw new Error(`no "worker lease taken" in the log: ${service.logs().slice(0, 2000)}`);
}

/** Kills the lease's session and waits until PostgreSQL has ended it (and dropped what it held). */
export async function killLeaseSession(pool: pg.Pool): Promise<void> {
  const query = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'threadloom-worker'";
  const pids = (await pool.query(query)).rows.map((r) => r.pid as number);
  expect(pids).toHaveLength(1);
  await pool.query("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) pid", [pids]);
  await vi.waitFor(async () => expect((await pool.query(query)).rows.map((r) => r.pid)).not.toContain(pids[0]), { timeout: 10_000 });
}
