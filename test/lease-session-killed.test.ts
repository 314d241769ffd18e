import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { expectMirrorMatchesCheckpoint, runRows } from "./helpers/checkpoint-state.js";
import { killLeaseSession } from "./helpers/crashing-service.js";
import { holdTable } from "./helpers/hold-table.js";
import { startMockOpenAI, type MockOpenAI, type MockRequest, type MockReply } from "./helpers/mock-openai.js";
import { chat, SseReader } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { OUTBOX_TABLE, RECORDING_EMAIL, sentEmails } from "./helpers/outbox.js";

const words = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`).join(" ");
const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon?" };

// Slow replies, so that runs are mid-stream when the lease's session is killed; a user asking to
// "email" gets a send_email call, and a tool result is answered by quoting it.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted ${words("w", 20)}`, tokenDelayMs: 20 };
  if (/email/.test(String(last?.content))) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  return { text: words("word", 150), tokenDelayMs: 20 };
}

const postChat = (url: string, body: unknown) =>
  fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Reads events until one matches (returns it), or the stream ends (null). */
async function readUntil(reader: SseReader, match: (e: { event: string; data: any }) => boolean) {
  for (let e = await reader.next(); e; e = await reader.next()) if (match(e)) return e;
  return null;
}

// The PostgreSQL session holding this process's lease is killed (as a network blip or an operator
// would): the process takes its lease again, and nothing it runs is reaped, run twice or cut short.
describe("the worker lease's session killed", () => {
  let mock: MockOpenAI;
  let t: TestService;
  const epoch = async () => (await t.db.pool.query("SELECT epoch::int FROM workers")).rows.map((r) => r.epoch as number);

  beforeAll(async () => {
    mock = await startMockOpenAI(model);
    t = await startTestService({ mock });
  });
  afterAll(async () => {
    await t?.close();
    await mock.close();
  });

  it("a streaming /api/chat run is not reaped, a second run on its thread gets 409, and it finishes once", async () => {
    const response = await postChat(t.url, { message: "tell me something long" });
    const threadId = response.headers.get("x-thread-id")!;
    const reader = new SseReader(response);
    expect(await readUntil(reader, (e) => e.event === "token")).not.toBeNull();
    // Its end waits for the checkpoint writes this lock holds back: it is running throughout.
    const gate = await holdTable(t.db.pool, "langgraph.checkpoint_writes");
    try {
      await killLeaseSession(t.db.pool);
      // Upkeep (and any claim on a busy thread) reaps runs of dead workers: none of ours.
      expect(await t.service.runs.recover()).toEqual([]);
      const second = await postChat(t.url, { message: "and another", thread_id: threadId });
      expect(second.status).toBe(409);
      await second.body?.cancel();
    } finally {
      await gate.release();
    }
    await readUntil(reader, () => false);
    const ends = reader.events.filter((e) => e.event === "end" || e.event === "error");
    expect(ends.map((e) => [e.event, e.data.status])).toEqual([["end", "success"]]);
    expect((await runRows(t.db.pool, threadId)).map((r) => [r.status, r.error])).toEqual([["success", null]]);
    expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map((m) => m.role)).toEqual(["user", "assistant"]);
  });

  it("while the lease is being taken again, a second run on a busy thread is refused 409 at once, not 503", async () => {
    const response = await postChat(t.url, { message: "tell me something long" });
    const threadId = response.headers.get("x-thread-id")!;
    const reader = new SseReader(response);
    expect(await readUntil(reader, (e) => e.event === "token")).not.toBeNull();
    const runId = (await runRows(t.db.pool, threadId))[0]!.run_id;
    // The lease's row locked: taking it again waits, so the process stays without a lease meanwhile.
    const row = await holdTable(t.db.pool, "workers");
    try {
      await killLeaseSession(t.db.pool);
      const second = await postChat(t.url, { message: "and another", thread_id: threadId });
      expect(second.status).toBe(409);
      expect(await second.json()).toMatchObject({ running_run_id: runId });
      expect(t.service.runs.isAccepting()).toBe(true);
    } finally {
      await row.release();
    }
    await readUntil(reader, () => false);
    expect(reader.events.filter((e) => e.event === "end" || e.event === "error").map((e) => [e.event, e.data.status])).toEqual([["end", "success"]]);
  });

  it("Agent Server runs in flight are not run again: attempt 1, each event once, mirror = state", async () => {
    const client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
    const threads = await Promise.all([client.threads.create(), client.threads.create()]);
    const runs = await Promise.all(
      threads.map((th) => client.runs.create(th.thread_id, "chat", { input: { messages: [{ role: "user", content: "go on" }] }, streamMode: ["values", "messages-tuple"] })),
    );
    const saved = async (runId: string) => (await t.db.pool.query("SELECT count(*)::int AS n FROM run_events WHERE run_id = $1", [runId])).rows[0].n as number;
    for (const run of runs) await vi.waitFor(async () => expect(await saved(run.run_id)).toBeGreaterThanOrEqual(5), { timeout: 15_000 });
    const gate = await holdTable(t.db.pool, "langgraph.checkpoint_writes");
    try {
      const status = async (runId: string) => (await t.db.pool.query("SELECT status FROM runs WHERE run_id = $1", [runId])).rows[0].status;
      for (const run of runs) expect(await status(run.run_id)).toBe("running");
      await killLeaseSession(t.db.pool);
      expect(await t.service.runs.recover()).toEqual([]);
      for (const run of runs) expect(await status(run.run_id)).toBe("running");
    } finally {
      await gate.release();
    }
    for (const [i, run] of runs.entries()) {
      await client.runs.join(threads[i]!.thread_id, run.run_id);
      expect(await client.runs.get(threads[i]!.thread_id, run.run_id)).toMatchObject({ status: "success" });
      const { rows } = await t.db.pool.query("SELECT attempt, seq, event FROM runs JOIN run_events USING (run_id) WHERE run_id = $1 ORDER BY seq", [run.run_id]);
      // One attempt: its metadata event once, its events numbered 0, 1, 2… with none written twice.
      expect(new Set(rows.map((r) => r.attempt))).toEqual(new Set([1]));
      expect(rows.filter((r) => r.event === "metadata")).toHaveLength(1);
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, n) => n));
      await expectMirrorMatchesCheckpoint(t.db.pool, threads[i]!.thread_id);
    }
  });

  it("an approved send_email running when the session is killed records the e-mail once, and the run ends once", async () => {
    const paused = await chat(t.url, { message: "please email bob about lunch" });
    const threadId = paused.headers.get("x-thread-id")!;
    expect(paused.events.at(-1)!.data.status).toBe("interrupted");
    // The tool's insert waits behind this lock: the kill lands while the e-mail is being sent.
    const gate = await holdTable(t.db.pool, OUTBOX_TABLE);
    let reader: SseReader;
    try {
      const response = await postChat(t.url, { thread_id: threadId, resume: { decision: "approve" } });
      reader = new SseReader(response);
      await vi.waitFor(
        async () => {
          const { rows } = await t.db.pool.query("SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1", [RECORDING_EMAIL]);
          expect(rows).toHaveLength(1);
        },
        { timeout: 15_000 },
      );
      await killLeaseSession(t.db.pool);
      expect(await t.service.runs.recover()).toEqual([]);
      const second = await postChat(t.url, { message: "hello?", thread_id: threadId });
      expect(second.status).toBe(409);
      await second.body?.cancel();
    } finally {
      await gate.release();
    }
    await readUntil(reader!, () => false);
    const events = reader!.events.map((e) => e.event);
    expect(events.filter((e) => e === "tool_end")).toHaveLength(1);
    expect(events.filter((e) => e === "end" || e === "error")).toEqual(["end"]);
    expect(reader!.events.at(-1)!.data.status).toBe("success");
    const sent = await sentEmails(t.db.pool, threadId);
    expect(sent.map(({ to, subject, body }) => ({ to, subject, body }))).toEqual([EMAIL]);
    expect((await runRows(t.db.pool, threadId)).map((r) => [r.status, r.error])).toEqual([["interrupted", null], ["success", null]]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  it("the process holds its lease again, under a new epoch, and claims new runs with it", async () => {
    const [before] = await epoch();
    await killLeaseSession(t.db.pool);
    await vi.waitFor(async () => expect((await epoch())[0]).toBeGreaterThan(before!), { timeout: 10_000 });
    const [now] = await epoch();
    const res = await chat(t.url, { message: "still there?" });
    expect(res.events.at(-1)!.data.status).toBe("success");
    const { rows } = await t.db.pool.query("SELECT lease_epoch::int FROM runs WHERE thread_id = $1", [res.headers.get("x-thread-id")]);
    expect(rows).toEqual([{ lease_epoch: now }]);
  });
});
