import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_SYSTEM_PROMPT } from "../graphs/chat.js";
import { checkpointState, expectMirrorMatchesCheckpoint, runRows, summary } from "./helpers/checkpoint-state.js";
import { openChat, words } from "./helpers/live-chat.js";
import { chat } from "./helpers/sse-client.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";
import { startTestService } from "./helpers/test-service.js";

// Each test shuts its own service down; they share one database, which outlives them.
describe("shutdown with a run streaming", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });


  // Proves a grace period long enough lets the run end normally: `end` success, whole reply kept.
  it("lets the run finish within a long grace period", async () => {
    const t = await startTestService({ db });
    const text = words(15);
    t.mock.script({ text, tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "finish before you go" });
    const runId = (await live.readUntil((e) => e.event === "start")).data.run_id as string;
    await live.readUntil((e) => e.event === "token");

    const [events] = await Promise.all([live.readToEnd(), t.close({ allowActiveRuns: true, graceMs: 30_000 })]);
    expect(events.at(-1)!.data).toMatchObject({ type: "end", run_id: runId, status: "success" });
    expect(events.filter((e) => e.event === "error")).toEqual([]);
    expect(t.service.runs.activeCount).toBe(0);

    expect(await runRows(db.pool, live.threadId)).toEqual([{ run_id: runId, status: "success", error: null }]);
    const messages = await expectMirrorMatchesCheckpoint(db.pool, live.threadId);
    expect(messages.map(summary)).toEqual([["user", "finish before you go", "complete"], ["assistant", text, "complete"]]);
  });

  // Proves grace 0 stops the run at once: `shutdown` error event, partial reply kept, run not left running,
  // and another instance on the same database can continue the thread with the partial in its history.
  it("stops the run and keeps the partial reply when the grace period is 0", async () => {
    const t = await startTestService({ db });
    const text = words(60);
    t.mock.script({ text, tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "you will be cut off" });
    const runId = (await live.readUntil((e) => e.event === "start")).data.run_id as string;
    await live.readUntil((e) => e.event === "token" && e.data.index === 1);

    const [events] = await Promise.all([live.readToEnd(), t.close({ allowActiveRuns: true, graceMs: 0 })]);
    expect(events.filter((e) => e.event === "end")).toEqual([]);
    const shutdown = { code: "shutdown", message: "The service is shutting down; the reply so far was saved." };
    expect(events.at(-1)!.data).toEqual({ type: "error", ...shutdown });
    const seen = events.filter((e) => e.event === "token").map((e) => e.data.content).join("");
    expect(seen.length).toBeLessThan(text.length);
    expect(t.service.runs.activeCount).toBe(0);

    const [run] = await runRows(db.pool, live.threadId);
    expect(run).toEqual({ run_id: runId, status: "interrupted", error: shutdown });
    const messages = await expectMirrorMatchesCheckpoint(db.pool, live.threadId);
    expect(messages.map(summary)).toEqual([["user", "you will be cut off", "complete"], ["assistant", seen, "partial"]]);
    expect((await checkpointState(db.pool, live.threadId)).next).toEqual([]);
    const { rows } = await db.pool.query("SELECT status FROM threads WHERE thread_id = $1", [live.threadId]);
    expect(rows).toEqual([{ status: "idle" }]);

    const next = await startTestService({ db, script: { text: "Picking up again." } });
    try {
      const res = await chat(next.url, { message: "continue", thread_id: live.threadId });
      expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
      expect(next.mock.requests[0].messages).toEqual([
        { role: "system", content: DEFAULT_SYSTEM_PROMPT },
        { role: "user", content: "you will be cut off" },
        { role: "assistant", content: seen },
        { role: "user", content: "continue" },
      ]);
      await expectMirrorMatchesCheckpoint(db.pool, live.threadId);
    } finally {
      await next.close();
    }
  });

  // Proves a service that is shutting down refuses new runs with 503 instead of starting them.
  it("refuses new runs once shutdown has begun", async () => {
    const t = await startTestService({ db });
    t.mock.script({ text: words(30), tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "keep going" });
    await live.readUntil((e) => e.event === "token");
    const closing = t.service.runs.shutdown(30_000);
    const refused = await fetch(`${t.url}/api/chat`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "new one" }),
    });
    expect(refused.status).toBe(503);
    expect((await refused.json()).title).toBe("Service unavailable");
    expect((await live.readToEnd()).at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    await closing;
    await t.close();
  });

  // Proves a run still being claimed when shutdown begins is refused (503) and rolled back, instead of
  // starting on a closing pool and leaving its runs row `running` and its thread `busy`.
  it("refuses a run whose claim was still waiting when shutdown began", async () => {
    const t = await startTestService({ db });
    t.mock.script({ text: "First answer." });
    const threadId = (await chat(t.url, { message: "first" })).headers.get("x-thread-id")!;
    // An uncommitted running run on the thread makes the service's claim wait on its row lock.
    const blocker = await db.pool.connect();
    let closing: Promise<void> | undefined;
    let refused: Awaited<ReturnType<typeof chat>>;
    try {
      await blocker.query("BEGIN");
      await blocker.query(
        "INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status) VALUES ($1, $2, 'default', 'chat', 'chat', 'running')",
        [randomUUID(), threadId],
      );
      const request = chat(t.url, { message: "second", thread_id: threadId });
      await vi.waitFor(async () => {
        const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        expect(rows[0].n).toBe(1);
      }, { timeout: 10_000, interval: 20 });
      closing = t.close({ allowActiveRuns: true, graceMs: 0 });
      await blocker.query("ROLLBACK");
      refused = await request;
    } finally {
      blocker.release();
    }
    await closing;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ status: 503, title: "Service unavailable" });
    expect(t.service.runs.activeCount).toBe(0);
    expect((await runRows(db.pool, threadId)).map((r) => r.status)).toEqual(["success"]);
    const { rows } = await db.pool.query("SELECT status FROM threads WHERE thread_id = $1", [threadId]);
    expect(rows).toEqual([{ status: "idle" }]);
    expect((await expectMirrorMatchesCheckpoint(db.pool, threadId)).map(summary)).toEqual([
      ["user", "first", "complete"], ["assistant", "First answer.", "complete"],
    ]);
  });
});
