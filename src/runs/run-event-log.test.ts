import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../test/helpers/test-database.js";
import { CHANNELS, Notifier } from "./notifier.js";
import { RunEventLog, type StoredEvent } from "./run-event-log.js";

// Listeners in the run's process read its events from memory: the table is written seldom until a
// client on another process follows the run, and from then on at once and every flushMs.
describe("run events written for whoever follows from another process", () => {
  let db: TestDatabase;
  const notifiers: Notifier[] = [];
  const logger = pino({ level: "silent" });
  const saved = async (runId: string) => (await db.pool.query("SELECT count(*)::int AS n FROM run_events WHERE run_id = $1", [runId])).rows[0].n as number;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const n of notifiers) await n.close();
  });

  async function runningRun(): Promise<string> {
    const threadId = randomUUID();
    const runId = randomUUID();
    await db.pool.query("INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, status) VALUES ($1, 'acme', 'u', 'chat', 'chat', 'busy')", [threadId]);
    await db.pool.query("INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status, started_at) VALUES ($1, $2, 'acme', 'chat', 'chat', 'running', now())", [runId, threadId]);
    return runId;
  }

  /** A process's event log: its own LISTEN connection, as each replica has. */
  async function replica(idleFlushMs: number): Promise<RunEventLog> {
    const notifier = await Notifier.connect(db.url, logger);
    notifiers.push(notifier);
    return new RunEventLog(db.pool, notifier, logger, 25, 1000, idleFlushMs);
  }

  it("keeps a run nobody follows elsewhere in memory, then writes what it has at once for a joiner on another process, and each event after", async () => {
    const runner = await replica(60_000);
    const other = await replica(60_000);
    const runId = await runningRun();
    const writer = await runner.open(runId, 1, undefined, 0, true);
    for (let i = 0; i < 5; i++) writer.append("token", `{"n":${i}}`);
    // A listener in the same process has them all, and nothing needed the table.
    const local: StoredEvent[] = [];
    const stopLocal = writer.subscribe(-1, (e) => local.push(e), () => {});
    expect(local.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await saved(runId)).toBe(0);

    const gone = new AbortController();
    const joined: StoredEvent[] = [];
    const following = (async () => {
      for await (const e of other.join(runId, -1, gone.signal)) joined.push(e);
    })();
    await vi.waitFor(() => expect(joined.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4]), { timeout: 20_000 });
    writer.append("token", '{"n":5}');
    await vi.waitFor(() => expect(joined.map((e) => e.seq)).toEqual([0, 1, 2, 3, 4, 5]), { timeout: 20_000 });
    expect(await saved(runId)).toBe(6);
    stopLocal();
    gone.abort();
    await following;
    await writer.flush();
    writer.end();
  });

  it("is not asked to write sooner by a caller on another process that only waits for the run's end", async () => {
    const runner = await replica(60_000);
    const other = await replica(60_000);
    const runId = await runningRun();
    const writer = await runner.open(runId, 1, undefined, 0, true);
    writer.append("token", '{"n":0}');
    const told: string[] = [];
    const watcher = await Notifier.connect(db.url, logger);
    notifiers.push(watcher);
    watcher.on(CHANNELS.runFollowed, (payload) => told.push(payload));
    const read: StoredEvent[] = [];
    const waiting = (async () => {
      for await (const e of other.join(runId, 2 ** 31 - 1, undefined, { follow: false })) read.push(e);
    })();
    // Its first poll of the table is under way (a follower's begins by telling the runner).
    await writer.flush();
    writer.end();
    await db.pool.query("UPDATE runs SET status = 'success' WHERE run_id = $1", [runId]);
    await other.announce(runId);
    await waiting;
    // Notifications arrive in commit order: once this one is here, any the waiter sent before is too.
    await db.pool.query(`SELECT pg_notify('${CHANNELS.runFollowed}', 'marker')`);
    await vi.waitFor(() => expect(told).toContain("marker"), { timeout: 20_000 });
    expect(told).toEqual(["marker"]);
    expect(read).toEqual([]);
  });

  it("writes a run nobody follows at its end (the flush before its end is recorded), each event once", async () => {
    const runner = await replica(60_000);
    const runId = await runningRun();
    const writer = await runner.open(runId, 1, undefined, 0, true);
    for (let i = 0; i < 40; i++) writer.append("token", `{"n":${i}}`);
    expect(await saved(runId)).toBe(0);
    await writer.flush();
    writer.end();
    const { rows } = await db.pool.query("SELECT seq FROM run_events WHERE run_id = $1 ORDER BY seq", [runId]);
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it("writes a run another process may continue (an Agent Server run) every flushMs, followed or not", async () => {
    const runner = await replica(60_000);
    const runId = await runningRun();
    const writer = await runner.open(runId, 1);
    for (let i = 0; i < 5; i++) writer.append("token", `{"n":${i}}`);
    await vi.waitFor(async () => expect(await saved(runId)).toBe(5), { timeout: 20_000 });
    await writer.flush();
    writer.end();
  });

  it("holds in memory only what it has not written, and a listener in its process joining late gets every event once, in order", async () => {
    const runner = await replica(60_000);
    const runId = await runningRun();
    const writer = await runner.open(runId, 1);
    const append = (from: number, count: number) => {
      for (let i = from; i < from + count; i++) writer.append("token", `{"n":${i}}`);
    };
    append(0, 1500);
    expect(writer.heldFrom).toBe(0);
    await writer.flush();
    // Written, so no longer held: more than a page of the table (1,000) before the first held one.
    expect(writer.heldFrom).toBe(1500);
    const joiners = [-1, 700, 1499].map(async (after) => {
      const seqs: number[] = [];
      for await (const e of runner.join(runId, after)) seqs.push(e.seq);
      return seqs;
    });
    // Written and dropped while they read the table (every flushMs).
    for (let from = 1500; from < 3000; from += 50) {
      append(from, 50);
      await new Promise((r) => setTimeout(r, 5));
    }
    await writer.flush();
    expect(writer.heldFrom).toBe(3000);
    writer.end();
    const [all, after700, after1499] = await Promise.all(joiners);
    const seqs = (from: number) => Array.from({ length: 3000 - from }, (_, i) => from + i);
    expect(all).toEqual(seqs(0));
    expect(after700).toEqual(seqs(701));
    expect(after1499).toEqual(seqs(1500));
  });

  /** Counts the statements that write run events from now on (pg's Pool#query, which every write goes through). */
  function countInserts(): { count(): number; restore(): void } {
    const spy = vi.spyOn(db.pool, "query");
    const count = () => spy.mock.calls.filter(([text]) => typeof text === "string" && text.includes("INSERT INTO run_events")).length;
    return { count, restore: () => spy.mockRestore() };
  }

  async function claimed(runId: string, workerId: number, leaseEpoch: number): Promise<void> {
    await db.pool.query("UPDATE runs SET worker_id = $2, lease_epoch = $3 WHERE run_id = $1", [runId, workerId, leaseEpoch]);
  }

  // Many runs streaming in one process: the batches of those that flush together go in one
  // statement, and each run still writes only while it holds its claim.
  it("writes the batches of runs flushing at the same moment in one statement, each claim checked", async () => {
    const runner = await replica(60_000);
    const runIds = await Promise.all(Array.from({ length: 12 }, () => runningRun()));
    for (const runId of runIds) await claimed(runId, 7, 1);
    const lost = vi.fn();
    // The 11th was taken back (another epoch); the 12th writes without a claim.
    const claims = runIds.map((runId, i) => (i === 11 ? undefined : { runId, workerId: 7, leaseEpoch: i === 10 ? 2 : 1, lost: i === 10 ? lost : undefined }));
    const writers = await Promise.all(runIds.map((runId, i) => runner.open(runId, 1, claims[i])));
    // A writer of the first run's earlier claim, still flushing: the run's claim does not admit its events.
    const staleLost = vi.fn();
    const stale = await runner.open(runIds[0]!, 1, { runId: runIds[0]!, workerId: 7, leaseEpoch: 0, lost: staleLost }, 5000);
    const inserts = countInserts();
    try {
      writers.forEach((w, i) => Array.from({ length: i + 1 }, (_, n) => w.append("token", `{"run":${i},"n":${n}}`)));
      stale.append("token", '{"stale":true}');
      await Promise.all([...writers, stale].map((w) => w.flush()));
      expect(inserts.count()).toBe(1);
    } finally {
      inserts.restore();
    }
    const counts = await Promise.all(runIds.map(saved));
    expect(counts).toEqual(runIds.map((_, i) => (i === 10 ? 0 : i + 1)));
    expect(lost).toHaveBeenCalledTimes(1);
    expect(staleLost).toHaveBeenCalledTimes(1);
    const { rows } = await db.pool.query("SELECT data FROM run_events WHERE run_id = $1 ORDER BY seq", [runIds[5]]);
    expect(rows.map((r) => JSON.parse(r.data))).toEqual(Array.from({ length: 6 }, (_, n) => ({ run: 5, n })));
    writers.forEach((w) => w.end());
  });

  it("still writes the other runs' batches when one run was rolled back meanwhile", async () => {
    const runner = await replica(60_000);
    const runIds = await Promise.all(Array.from({ length: 4 }, () => runningRun()));
    const writers = await Promise.all(runIds.map((runId) => runner.open(runId, 1)));
    // Its events' foreign key now fails the statement that writes them.
    await db.pool.query("DELETE FROM runs WHERE run_id = $1", [runIds[2]]);
    writers.forEach((w) => w.append("token", "{}"));
    await Promise.all(writers.map((w) => w.flush()));
    expect(await Promise.all(runIds.map(saved))).toEqual([1, 1, 0, 1]);
    writers.forEach((w) => w.end());
  });

  // Each writer's timer ends on the same clock's multiples of the period, wherever its run began.
  it("flushes runs that began at different moments together", async () => {
    const runner = await replica(400);
    const runIds = await Promise.all(Array.from({ length: 20 }, () => runningRun()));
    const writers = await Promise.all(runIds.map((runId) => runner.open(runId, 1, undefined, 0, true)));
    const inserts = countInserts();
    try {
      // About 10 ms apart: the appends of one period (400 ms of the clock) are flushed together at
      // its end, in two statements at worst if a timer slips a tick. Counted from when they really
      // happened, so that a loaded machine spreading them wider does not fail the test (on one
      // timer each, the runs take 20 statements).
      const periods = new Set<number>();
      for (const w of writers) {
        w.append("token", "{}");
        periods.add(Math.floor(Date.now() / 400));
        await new Promise((r) => setTimeout(r, 10));
      }
      await vi.waitFor(async () => expect((await Promise.all(runIds.map(saved))).every((n) => n === 1)).toBe(true), { timeout: 20_000 });
      expect(periods.size).toBeLessThan(10);
      expect(inserts.count()).toBeLessThanOrEqual(2 * periods.size);
    } finally {
      inserts.restore();
    }
    writers.forEach((w) => w.end());
  });
});
