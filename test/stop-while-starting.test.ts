import pg from "pg";
import { describe, expect, it, vi } from "vitest";
import { MIGRATION_LOCK } from "../src/db/migrate.js";
import { freePort, spawnService } from "./helpers/service-process.js";
import { createTestDatabase } from "./helpers/test-database.js";

// Start-up can wait for as long as another process holds the migration lock (a replica migrating, or
// one stuck). A SIGTERM then stops the process at once, and what it had started with it.
describe("a stop asked for while the service is starting", () => {
  it.each(["SIGTERM", "SIGINT"] as const)("%s while it waits for another process's migrations: exits 0 at once, its connections closed", async (signal) => {
    const db = await createTestDatabase();
    const holder = new pg.Client({ connectionString: db.url, application_name: "test-migrating-replica" });
    await holder.connect();
    let service: ReturnType<typeof spawnService> | undefined;
    try {
      await holder.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
      const holderPid = (await holder.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
      service = spawnService({ ...process.env, DATABASE_URL: db.url, PORT: String(await freePort()), LOG_LEVEL: "info", OPENAI_BASE_URL: "http://127.0.0.1:9", OPENAI_API_KEY: "x" });
      // It is waiting: its migration client is after the lock, and it does not listen.
      const waiting = "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%advisory_lock(%' AND pid <> pg_backend_pid() AND pid <> $1";
      let pids: number[] = [];
      await vi.waitFor(async () => {
        pids = (await db.pool.query(waiting, [holderPid])).rows.map((r) => r.pid);
        expect(pids).toHaveLength(1);
      }, { timeout: 20_000, interval: 100 });
      expect(service.stdout()).not.toMatch(/threadloom is listening/);
      service.child.kill(signal);
      expect(await service.exited, service.stdout() + service.stderr()).toBe(0);
      expect(service.stdout()).toMatch(/"msg":"stopped"/);
      expect(service.stdout() + service.stderr()).not.toMatch(/"level":(50|60)/);
      // Its connections are closed: what it had started, it stopped.
      await vi.waitFor(async () => expect((await db.pool.query("SELECT pid FROM pg_stat_activity WHERE pid = ANY($1)", [pids])).rows).toEqual([]), { timeout: 10_000, interval: 100 });
    } finally {
      if (service?.child.exitCode === null && service.child.signalCode === null) service.child.kill("SIGKILL");
      await holder.end();
    }
  }, 40_000);
});
