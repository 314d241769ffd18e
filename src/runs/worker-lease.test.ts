import pg from "pg";
import { pino } from "pino";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { WorkerLease } from "./worker-lease.js";

describe("WorkerLease", () => {
  let db: TestDatabase;
  const leases: WorkerLease[] = [];
  const logger = pino({ level: "silent" });
  const acquire = async (ttlMs: number) => {
    const lease = await WorkerLease.acquire({ connectionString: db.url, ttlMs, logger });
    leases.push(lease);
    return lease;
  };
  const row = async (workerId: number) =>
    (await db.pool.query("SELECT epoch::int, first_live_epoch::int, renewed_at FROM workers WHERE worker_id = $1", [workerId])).rows[0];
  const sessions = async () =>
    (await db.pool.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'threadloom-worker'")).rows.map((r) => r.pid);

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    for (const lease of leases.splice(0)) await lease.release();
  });

  it("is a row renewed on a connection of its own, given up on release", async () => {
    const lease = await acquire(3_000);
    const { epoch } = lease.current()!;
    const first = await row(lease.workerId);
    expect(first).toMatchObject({ epoch, first_live_epoch: epoch });
    await vi.waitFor(async () => expect((await row(lease.workerId)).renewed_at.getTime()).toBeGreaterThan(first.renewed_at.getTime()), { timeout: 10_000 });
    expect(lease.current()).toEqual({ workerId: lease.workerId, epoch });
    await lease.release();
    expect(await row(lease.workerId)).toBeUndefined();
    expect(await sessions()).toEqual([]);
  });

  // A killed session is no lost lease: the same worker takes it again, under a new epoch, and its
  // runs (claimed under the old one) are not given up.
  it("is taken again under a new epoch when its session is killed", async () => {
    const lease = await acquire(30_000);
    const before = lease.current()!;
    const [pid] = await sessions();
    await db.pool.query("SELECT pg_terminate_backend($1)", [pid]);
    await vi.waitFor(() => expect(lease.current()?.epoch).toBeGreaterThan(before.epoch), { timeout: 10_000 });
    const after = lease.current();
    expect(after).toEqual({ workerId: before.workerId, epoch: expect.any(Number) });
    expect(await row(lease.workerId)).toMatchObject({ epoch: after!.epoch, first_live_epoch: before.epoch });
    expect(await sessions()).not.toContain(pid);
  });

  // Renewals that cannot get through (here: its row is locked) for TTL / 2: the process stops its
  // runs before others may reap them, then takes the lease again, saying it gave those runs up.
  it("stops the runs when it cannot renew for TTL / 2, then takes the lease again", async () => {
    const lease = await acquire(2_000);
    const before = lease.current()!;
    let stopped = 0;
    lease.onLost(() => void stopped++);
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("SELECT 1 FROM workers WHERE worker_id = $1 FOR UPDATE", [lease.workerId]);
      await vi.waitFor(() => expect(stopped).toBe(1), { timeout: 10_000 });
      expect(lease.current()).toBeNull();
    } finally {
      await blocker.query("ROLLBACK");
      await blocker.end();
    }
    const after = await lease.held(10_000);
    expect(after!.epoch).toBeGreaterThan(before.epoch);
    expect(await row(lease.workerId)).toMatchObject({ epoch: after!.epoch, first_live_epoch: after!.epoch });
    expect(stopped).toBe(1);
  });
});
