import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_SYSTEM_PROMPT } from "../graphs/chat.js";
import { checkpointState, expectMirrorMatchesCheckpoint, runRows, threadloomStatus, summary } from "./helpers/checkpoint-state.js";
import { openChat, words, type LiveChat } from "./helpers/live-chat.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

describe("a client that disconnects mid-stream", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());


  // The run goes on without a listener; poll its record until it has ended.
  const runEnd = (threadId: string) =>
    vi.waitFor(async () => {
      const runs = await runRows(t.db.pool, threadId);
      expect(runs.at(-1)?.status).not.toBe("running");
      return runs.at(-1)!;
    }, { timeout: 15_000, interval: 20 });

  async function disconnectAfterTokens(live: LiveChat, count: number) {
    const runId = (await live.readUntil((e) => e.event === "start")).data.run_id as string;
    await live.readUntil((e) => e.event === "token" && e.data.index === count - 1);
    const tokens = live.events.filter((e) => e.event === "token").map((e) => e.data);
    live.disconnect();
    return { runId, seen: tokens.map((tk) => tk.content).join(""), messageId: tokens[0].message_id as string };
  }

  const getThread = async (threadId: string) => (await fetch(`${t.url}/api/threads/${threadId}`)).json();

  // Proves the default ("continue") keeps the run going: full reply, complete, in checkpoint and mirror.
  it("finishes the run and saves the whole reply when on_disconnect is continue (the default)", async () => {
    const text = words(30);
    t.mock.script({ text, tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "tell me a long story" });
    const { runId, messageId } = await disconnectAfterTokens(live, 3);

    expect(await runEnd(live.threadId)).toEqual({ run_id: runId, status: "success", error: null });
    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, live.threadId);
    expect(messages.map(summary)).toEqual([
      ["user", "tell me a long story", "complete"],
      ["assistant", text, "complete"],
    ]);
    expect(messages[1].id).toBe(messageId);
    expect((await checkpointState(t.db.pool, live.threadId)).next).toEqual([]);

    const thread = await getThread(live.threadId);
    expect(thread.status).toBe("idle");
    expect(thread.messages.map(summary)).toEqual(messages.map(summary));
  });

  // Proves "cancel" stops the model, keeps the partial reply (checkpoint + mirror), and the next turn sees it.
  it("stops the run and keeps the partial reply when on_disconnect is cancel", async () => {
    const text = words(60);
    t.mock.script({ text, tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "write a lot", on_disconnect: "cancel" });
    const { runId, seen, messageId } = await disconnectAfterTokens(live, 3);

    expect(await runEnd(live.threadId)).toEqual({ run_id: runId, status: "interrupted", error: null });
    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, live.threadId);
    expect(messages.map((m) => [m.role, m.status])).toEqual([["user", "complete"], ["assistant", "partial"]]);
    const partial = messages[1];
    expect(partial.id).toBe(messageId);
    // The reply holds at least what the client saw, and stops before the end of the model's text.
    expect(partial.content.startsWith(seen)).toBe(true);
    expect(text.startsWith(partial.content)).toBe(true);
    expect(partial.content.length).toBeLessThan(text.length);
    // Saved as the agent node's output: nothing left pending in the checkpoint.
    const state = await checkpointState(t.db.pool, live.threadId);
    expect(state.next).toEqual([]);
    expect(threadloomStatus(state.messages[1])).toBe("partial");
    expect((await getThread(live.threadId)).status).toBe("idle");

    t.mock.script({ text: "Continuing where I left off." });
    const next = await chat(t.url, { message: "go on", thread_id: live.threadId });
    expect(next.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect(t.mock.requests.at(-1)!.messages).toEqual([
      { role: "system", content: DEFAULT_SYSTEM_PROMPT },
      { role: "user", content: "write a lot" },
      { role: "assistant", content: partial.content },
      { role: "user", content: "go on" },
    ]);
    const after = await expectMirrorMatchesCheckpoint(t.db.pool, live.threadId);
    expect(after.map(summary)).toEqual([
      ["user", "write a lot", "complete"],
      ["assistant", partial.content, "partial"],
      ["user", "go on", "complete"],
      ["assistant", "Continuing where I left off.", "complete"],
    ]);
    expect((await getThread(live.threadId)).status).toBe("idle");
  });

  // Proves "cancel" also holds for a client that leaves before the stream opens (while the run slot
  // is being claimed): the run is stopped before it calls the model, and the thread stays usable.
  it("cancels a run whose client left while its slot was being claimed", async () => {
    t.mock.script({ text: "First answer." });
    const threadId = (await chat(t.url, { message: "first" })).headers.get("x-thread-id")!;
    const requestsBefore = t.mock.requests.length;
    // An uncommitted running run on the thread makes the service's claim wait on its row lock.
    const blocker = await t.db.pool.connect();
    await blocker.query("BEGIN");
    await blocker.query(
      "INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status) VALUES ($1, $2, 'default', 'chat', 'chat', 'running')",
      [randomUUID(), threadId],
    );
    t.mock.script({ text: words(30), tokenDelayMs: 40 });
    const controller = new AbortController();
    const request = fetch(`${t.url}/api/chat`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: controller.signal,
      body: JSON.stringify({ message: "second", thread_id: threadId, on_disconnect: "cancel" }),
    }).catch((err: Error) => err.name);
    try {
      await vi.waitFor(async () => {
        const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        expect(rows[0].n).toBe(1);
      }, { timeout: 10_000, interval: 20 });
      controller.abort();
      expect(await request).toBe("AbortError");
      // Give the server time to see the socket close before the claim goes through (the case under test).
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await blocker.query("ROLLBACK");
      blocker.release();
    }

    const run = await vi.waitFor(async () => {
      const runs = await runRows(t.db.pool, threadId);
      expect(runs).toHaveLength(2);
      expect(runs[1].status).not.toBe("running");
      return runs[1];
    }, { timeout: 15_000, interval: 20 });
    expect(run.status).toBe("interrupted");
    expect(t.mock.requests.length).toBe(requestsBefore);
    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    // Stopped before its first step, the run left nothing in the checkpoint, so nothing in the mirror.
    expect(messages.map(summary)).toEqual([["user", "first", "complete"], ["assistant", "First answer.", "complete"]]);

    t.mock.script({ text: "Third answer." });
    const third = await chat(t.url, { message: "third", thread_id: threadId });
    expect(third.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).slice(-2).map(summary)).toEqual([
      ["user", "third", "complete"], ["assistant", "Third answer.", "complete"],
    ]);
    expect((await getThread(threadId)).status).toBe("idle");
  });
});
