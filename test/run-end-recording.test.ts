import { Writable } from "node:stream";
import pg from "pg";
import { pino } from "pino";
import { afterAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { expectMirrorMatchesCheckpoint, runRows } from "./helpers/checkpoint-state.js";
import { openChat, words } from "./helpers/live-chat.js";
import { startMockOpenAI } from "./helpers/mock-openai.js";
import { chat } from "./helpers/sse-client.js";
import { createTestDatabase } from "./helpers/test-database.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** A logger whose lines the test can wait for. */
function capturedLogger() {
  const lines: string[] = [];
  const logger = pino({ level: "warn" }, new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  return { logger, logged: (msg: string) => lines.some((l) => JSON.parse(l).msg.startsWith(msg)) };
}

const threadStatus = async (t: TestService, threadId: string) =>
  (await t.db.pool.query("SELECT status FROM threads WHERE thread_id = $1", [threadId])).rows[0]?.status as string | undefined;

describe("a run's end that cannot be recorded at first", () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
  });

  // The threads table locked for longer than a statement may wait: recording the run's end (the
  // mirror's projection and the thread's status) fails, and so would the fallback. (Not the runs
  // table: every fenced checkpoint write reads the run's row, so the run itself would fail first.) Retried until it lands, the run and its thread are not left
  // running and busy once the lock is gone: the next turn and DELETE work.
  it("is retried until it lands: no run left running, no thread left busy", async () => {
    const db = await createTestDatabase();
    await db.pool.query(`ALTER DATABASE ${db.name} SET statement_timeout = '1s'`);
    const { logger, logged } = capturedLogger();
    const t = await startTestService({ db, logger, script: { text: words(8), tokenDelayMs: 20 } });
    services.push(t);
    const live = await openChat(t.url, { message: "first" });
    await live.readUntil((e) => e.event === "token");
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE threads IN ACCESS EXCLUSIVE MODE");
      await vi.waitFor(() => expect(logged("could not record the end of the run")).toBe(true), { timeout: 20_000, interval: 50 });
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }
    const events = await live.readToEnd();
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    await vi.waitFor(async () => {
      expect((await runRows(db.pool, live.threadId)).map((r) => r.status)).toEqual(["success"]);
      expect(await threadStatus(t, live.threadId)).toBe("idle");
    }, { timeout: 15_000, interval: 100 });
    await expectMirrorMatchesCheckpoint(db.pool, live.threadId);

    const next = await chat(t.url, { message: "second", thread_id: live.threadId });
    expect(next.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect((await fetch(`${t.url}/api/threads/${live.threadId}`, { method: "DELETE" })).status).toBe(204);
  });

  // A process's own run that the database says is running but that it no longer runs (its end was
  // lost) is repaired by its upkeep; runs that really are running, here or in another live process,
  // are left alone.
  it("is repaired by upkeep when a live process lost it, and only then", async () => {
    const db = await createTestDatabase();
    // One model server for both: graphs read the model's address from the process's environment.
    const mock = await startMockOpenAI({ text: "answer" });
    onTestFinished(() => mock.close());
    const a = await startTestService({ db, env: { RUN_QUEUE_POLL_MS: "200" }, mock });
    services.push(a);
    const b = await startTestService({ db, mock });
    services.push(b);

    const lost = await chat(a.url, { message: "its end gets lost" });
    const lostThread = lost.headers.get("x-thread-id")!;
    const lostRun = lost.headers.get("x-run-id")!;
    // Two runs that really are running: one in this process, one in the other.
    a.mock.script({ text: words(20), stallAfterTokens: 2 });
    const here = await openChat(a.url, { message: "running here", on_disconnect: "cancel" });
    const there = await openChat(b.url, { message: "running there", on_disconnect: "cancel" });
    await here.readUntil((e) => e.event === "token");
    await there.readUntil((e) => e.event === "token");

    // As if recording its end had been lost: running in the database, busy thread, nothing in memory.
    await db.pool.query("UPDATE runs SET status = 'running', ended_at = NULL WHERE run_id = $1", [lostRun]);
    await db.pool.query("UPDATE threads SET status = 'busy' WHERE thread_id = $1", [lostThread]);

    await vi.waitFor(async () => {
      expect(await runRows(db.pool, lostThread)).toEqual([{ run_id: lostRun, status: "error", error: expect.objectContaining({ code: "internal" }) }]);
      expect(await threadStatus(a, lostThread)).not.toBe("busy");
    }, { timeout: 15_000, interval: 100 });
    // The pass that repaired it saw the other two and left them running.
    for (const live of [here, there]) {
      expect((await runRows(db.pool, live.threadId)).map((r) => r.status)).toEqual(["running"]);
      expect(await threadStatus(a, live.threadId)).toBe("busy");
    }
    await expectMirrorMatchesCheckpoint(db.pool, lostThread);

    a.mock.script({ text: "answer again" });
    const next = await chat(a.url, { message: "and again", thread_id: lostThread });
    expect(next.events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect((await fetch(`${a.url}/api/threads/${lostThread}`, { method: "DELETE" })).status).toBe(204);

    // The two live runs end as their clients asked (cancel on disconnect), each recorded once.
    here.disconnect();
    there.disconnect();
    await vi.waitFor(async () => {
      for (const live of [here, there]) expect((await runRows(db.pool, live.threadId)).map((r) => r.status)).toEqual(["interrupted"]);
    }, { timeout: 15_000, interval: 100 });
  });
});
