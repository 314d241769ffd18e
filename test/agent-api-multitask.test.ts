import { describe, expect, it } from "vitest";
import { expectMirrorMatchesCheckpoint } from "./helpers/checkpoint-state.js";
import { words } from "./helpers/live-chat.js";
import { ALICE, sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";

type Message = { type: string; content: string; id: string };
type Values = { messages: Message[] };
type StreamEvent = { event: string; data: any };

// A reply slow enough that a run is still streaming when the test acts on it, yet ends by itself.
const SLOW = { text: words(30), tokenDelayMs: 40 };
// A reply that streams three tokens and then holds the connection until the run is stopped: the
// partial reply is exactly those tokens.
const STALLED = { text: words(20), stallAfterTokens: 3 };
const STALLED_PART = "w1 w2 w3 ";

const human = (content: string) => ({ messages: [{ role: "user", content }] });
const turns = (values: Values) => values.messages.map((m) => [m.type, m.content]);
const tokensOf = (events: StreamEvent[]) => events.filter((e) => e.event === "messages").map((e) => e.data[0].content).join("");

// Two runs on one thread at once, driven by the official SDK client only: multitask strategies,
// cancel, delete. The conversation mirror must equal the checkpoint state after every path.
describe("Agent Server runs: multitask strategies, cancel and delete", () => {
  const s = sdkSuite();
  const { mirror } = s;

  /** The mirror holds the checkpoint state's messages, in order (read from its table, then through our API); returns the state. */
  async function expectMirrorEqualsState(threadId: string) {
    // The table first: reading through the API would repair a stale mirror before we saw it.
    await expectMirrorMatchesCheckpoint(s.t.db.pool, threadId);
    const [m, state] = await Promise.all([mirror(threadId), s.alice.threads.getState<Values>(threadId)]);
    expect(m.messages.map((x) => [x.id, x.content]), "the mirror differs from the checkpoint state").toEqual(state.values.messages.map((x) => [x.id, x.content]));
    return { state, mirror: m };
  }

  /** A streamed run, read until the model has streamed `tokens` tokens; `rest()` reads it to its end. */
  async function streamUntilTokens(threadId: string, content: string, tokens = 1) {
    const stream = s.alice.runs.stream(threadId, "chat", { input: human(content), streamMode: ["values", "messages-tuple"] }) as AsyncGenerator<StreamEvent>;
    const events: StreamEvent[] = [];
    while (events.filter((e) => e.event === "messages").length < tokens) {
      const next = await stream.next();
      if (next.done) throw new Error(`the run's stream ended before ${tokens} tokens: ${events.map((e) => e.event).join(", ")}`);
      events.push(next.value);
    }
    const runId = events.find((e) => e.event === "metadata")!.data.run_id as string;
    return {
      runId,
      async rest() {
        for await (const e of stream) events.push(e);
        return events;
      },
    };
  }

  const runIdsInHistory = async (threadId: string) =>
    (await s.alice.threads.getHistory(threadId, { limit: 1000 })).map((h) => h.metadata?.run_id as string | undefined);

  it("reject: a second run while one runs is refused with 409, and the first runs on to its end", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script(SLOW);
    const a = await streamUntilTokens(thread_id, "first");
    const requests = s.t.mock.requests.length;

    expect(await sdkStatus(s.alice.runs.create(thread_id, "chat", { input: human("too soon"), multitaskStrategy: "reject" }))).toBe(409);

    const events = await a.rest();
    expect(events.some((e) => e.event === "error")).toBe(false);
    expect(tokensOf(events)).toBe(SLOW.text);
    expect(turns(events.filter((e) => e.event === "values").at(-1)!.data)).toEqual([["human", "first"], ["ai", SLOW.text]]);
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("success");
    // The refused run left no record and never reached the model.
    expect((await s.alice.runs.list(thread_id)).map((r) => r.run_id)).toEqual([a.runId]);
    expect(s.t.mock.requests.length).toBe(requests);
    await expectMirrorEqualsState(thread_id);
  });

  it("enqueue: runs created back to back run one after another, in creation order", async () => {
    const { thread_id } = await s.alice.threads.create();
    const requests = s.t.mock.requests.length;
    // Each answer names its question, so the transcript shows which run answered what.
    s.t.mock.script((req) => ({ text: `Answer to ${req.messages.at(-1).content}: ${words(8)}`, tokenDelayMs: 30 }));
    const answer = (q: string) => `Answer to ${q}: ${words(8)}`;

    const created = [];
    for (const q of ["q1", "q2", "q3"]) created.push(await s.alice.runs.create(thread_id, "chat", { input: human(q) }));
    expect(created.map((r) => [r.status, r.multitask_strategy])).toEqual([["running", "enqueue"], ["pending", "enqueue"], ["pending", "enqueue"]]);

    const values = (await s.alice.runs.join(thread_id, created[2]!.run_id)) as Values;
    expect(turns(values)).toEqual([
      ["human", "q1"], ["ai", answer("q1")], ["human", "q2"], ["ai", answer("q2")], ["human", "q3"], ["ai", answer("q3")],
    ]);
    // Each run's model call saw the runs before it.
    const calls = s.t.mock.requests.slice(requests);
    expect(calls.map((r) => r.messages.filter((m: { role: string }) => m.role !== "system").length)).toEqual([1, 3, 5]);

    const listed = await s.alice.runs.list(thread_id);
    expect(listed.map((r) => r.run_id)).toEqual(created.map((r) => r.run_id).reverse());
    expect(listed.map((r) => r.status)).toEqual(["success", "success", "success"]);
    const { state } = await expectMirrorEqualsState(thread_id);
    expect(state.values.messages).toEqual(values.messages);
  });

  it("interrupt: the running run ends interrupted with its partial reply kept, and the new run continues from it", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script(STALLED);
    const a = await streamUntilTokens(thread_id, "first question", 3);

    s.t.mock.script({ text: "Second answer" });
    const b = await s.alice.runs.create(thread_id, "chat", { input: human("second question"), multitaskStrategy: "interrupt" });
    expect(b).toMatchObject({ status: "pending", multitask_strategy: "interrupt" });

    const aEvents = await a.rest();
    expect(tokensOf(aEvents)).toBe(STALLED_PART);
    const values = (await s.alice.runs.join(thread_id, b.run_id)) as Values;
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("interrupted");
    expect((await s.alice.runs.get(thread_id, b.run_id)).status).toBe("success");
    expect(turns(values)).toEqual([["human", "first question"], ["ai", STALLED_PART], ["human", "second question"], ["ai", "Second answer"]]);

    const { state, mirror: m } = await expectMirrorEqualsState(thread_id);
    expect(turns(state.values)).toEqual(turns(values));
    expect(m.messages.map((x) => x.status)).toEqual(["complete", "partial", "complete", "complete"]);
    // B's model call had A's partial reply as history.
    const call = s.t.mock.requests.at(-1)!.messages.filter((x: { role: string }) => x.role !== "system");
    expect(call.map((x: { role: string; content: string }) => [x.role, x.content])).toEqual([
      ["user", "first question"], ["assistant", STALLED_PART], ["user", "second question"],
    ]);
  });

  it("rollback: the running run, its checkpoints and its mirror rows are removed, then the new run runs", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script({ text: "Earlier answer" });
    await s.alice.runs.wait(thread_id, "chat", { input: human("earlier question") });
    const [earlier] = await s.alice.runs.list(thread_id);
    const before = await s.alice.threads.getState<Values>(thread_id);

    s.t.mock.script(STALLED);
    const a = await streamUntilTokens(thread_id, "rolled back question", 3);
    s.t.mock.script({ text: "Answer after rollback" });
    const b = await s.alice.runs.create(thread_id, "chat", { input: human("replacing question"), multitaskStrategy: "rollback" });
    expect(b).toMatchObject({ status: "pending", multitask_strategy: "rollback" });
    await a.rest();
    const values = (await s.alice.runs.join(thread_id, b.run_id)) as Values;

    expect(await sdkStatus(s.alice.runs.get(thread_id, a.runId))).toBe(404);
    expect((await s.alice.runs.list(thread_id)).map((r) => [r.run_id, r.status])).toEqual([[b.run_id, "success"], [earlier!.run_id, "success"]]);
    expect(turns(values)).toEqual([["human", "earlier question"], ["ai", "Earlier answer"], ["human", "replacing question"], ["ai", "Answer after rollback"]]);
    const { state } = await expectMirrorEqualsState(thread_id);
    expect(state.values.messages).toEqual(values.messages);
    expect(state.values.messages.slice(0, 2)).toEqual(before.values.messages);

    const history = await runIdsInHistory(thread_id);
    expect(history).not.toContain(a.runId);
    expect(history).toContain(b.run_id);
    // B's model call never saw A's question nor its partial reply.
    const call = s.t.mock.requests.at(-1)!.messages.filter((x: { role: string }) => x.role !== "system");
    expect(call.map((x: { content: string }) => x.content)).toEqual(["earlier question", "Earlier answer", "replacing question"]);
  });

  it("cancel: interrupt keeps the partial reply; another tenant's cancel is a 404 and stops nothing", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script(STALLED);
    const a = await streamUntilTokens(thread_id, "stop me", 3);

    expect(await sdkStatus(s.bob.runs.cancel(thread_id, a.runId))).toBe(404);
    expect(await sdkStatus(s.bob.runs.cancel(thread_id, a.runId, true, "rollback"))).toBe(404);
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("running");

    // With wait, the run has ended (and been recorded) when the call returns.
    expect(await s.alice.runs.cancel(thread_id, a.runId, true, "interrupt")).toBeUndefined();
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("interrupted");
    const events = await a.rest();
    expect(tokensOf(events)).toBe(STALLED_PART);
    expect(events.some((e) => e.event === "error")).toBe(false);

    const { state, mirror: m } = await expectMirrorEqualsState(thread_id);
    expect(turns(state.values)).toEqual([["human", "stop me"], ["ai", STALLED_PART]]);
    expect(m.messages.map((x) => x.status)).toEqual(["complete", "partial"]);
    expect(m.status).toBe("idle");
  });

  it("cancel: rollback puts the thread back exactly as it was before the run", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script({ text: "Kept answer" });
    await s.alice.runs.wait(thread_id, "chat", { input: human("kept question") });
    const [kept] = await s.alice.runs.list(thread_id);
    const before = await s.alice.threads.getState<Values>(thread_id);

    s.t.mock.script(STALLED);
    const a = await streamUntilTokens(thread_id, "undo me", 3);
    expect(await s.alice.runs.cancel(thread_id, a.runId, true, "rollback")).toBeUndefined();
    await a.rest();

    expect(await sdkStatus(s.alice.runs.get(thread_id, a.runId))).toBe(404);
    expect((await s.alice.runs.list(thread_id)).map((r) => r.run_id)).toEqual([kept!.run_id]);
    const { state, mirror: m } = await expectMirrorEqualsState(thread_id);
    expect(state.values).toEqual(before.values);
    expect(state.checkpoint.checkpoint_id).toBe(before.checkpoint.checkpoint_id);
    expect(state.next).toEqual([]);
    expect(m.status).toBe("idle");
    expect(await runIdsInHistory(thread_id)).not.toContain(a.runId);
  });

  it("delete: 409 while the run runs, 204 once it has ended; the run is gone, its effects stay", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script(SLOW);
    const a = await streamUntilTokens(thread_id, "delete me later");

    expect(await sdkStatus(s.alice.runs.delete(thread_id, a.runId))).toBe(409);
    expect(await sdkStatus(s.bob.runs.delete(thread_id, a.runId))).toBe(404);
    const events = await a.rest();
    expect(tokensOf(events)).toBe(SLOW.text);
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("success");

    expect(await s.alice.runs.delete(thread_id, a.runId)).toBeUndefined();
    expect(await sdkStatus(s.alice.runs.get(thread_id, a.runId))).toBe(404);
    expect(await s.alice.runs.list(thread_id)).toEqual([]);
    // Deleting a run's record is not a rollback.
    const { state } = await expectMirrorEqualsState(thread_id);
    expect(turns(state.values)).toEqual([["human", "delete me later"], ["ai", SLOW.text]]);
  });

  it("cancel of a queued run: interrupt ends it without calling the model, rollback deletes it", async () => {
    const { thread_id } = await s.alice.threads.create();
    const requests = s.t.mock.requests.length;
    s.t.mock.script(SLOW);
    const a = await streamUntilTokens(thread_id, "first");
    const interrupted = await s.alice.runs.create(thread_id, "chat", { input: human("never asked") });
    const rolledBack = await s.alice.runs.create(thread_id, "chat", { input: human("never asked either") });
    expect([interrupted.status, rolledBack.status]).toEqual(["pending", "pending"]);

    // Without wait (202): a queued run's cancel is recorded at once.
    expect(await s.alice.runs.cancel(thread_id, interrupted.run_id)).toBeUndefined();
    expect((await s.alice.runs.get(thread_id, interrupted.run_id)).status).toBe("interrupted");
    expect(await s.alice.runs.cancel(thread_id, rolledBack.run_id, true, "rollback")).toBeUndefined();
    expect(await sdkStatus(s.alice.runs.get(thread_id, rolledBack.run_id))).toBe(404);
    expect((await s.alice.runs.get(thread_id, a.runId)).status).toBe("running");

    expect(tokensOf(await a.rest())).toBe(SLOW.text);
    // A run queued after them runs next: had either been left in the queue, it would have run first.
    s.t.mock.script({ text: "Next answer" });
    const next = await s.alice.runs.create(thread_id, "chat", { input: human("next") });
    const values = (await s.alice.runs.join(thread_id, next.run_id)) as Values;
    expect(turns(values)).toEqual([["human", "first"], ["ai", SLOW.text], ["human", "next"], ["ai", "Next answer"]]);

    const calls = s.t.mock.requests.slice(requests);
    expect(calls).toHaveLength(2);
    expect(JSON.stringify(calls.map((c) => c.messages))).not.toContain("never asked");
    expect((await s.alice.runs.list(thread_id)).map((r) => [r.run_id, r.status])).toEqual([
      [next.run_id, "success"], [interrupted.run_id, "interrupted"], [a.runId, "success"],
    ]);
    await expectMirrorEqualsState(thread_id);
  });

  // Each create with interrupt or rollback cancels the runs ahead of it, including runs created a
  // moment earlier that are still being answered: a rolled-back one is deleted before its own
  // request reads it back. That request answers with the run as it was created (never a 500).
  it("interrupt and rollback racing: every create is answered, and the thread ends idle and consistent", async () => {
    s.t.mock.script({ text: "Raced answer", tokenDelayMs: 2 });
    const post = (path: string, body: unknown) =>
      fetch(`${s.t.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    for (let round = 0; round < 3; round++) {
      const { thread_id } = await s.alice.threads.create();
      const routes = ["runs", "runs/wait", "runs/stream"];
      const answers = await Promise.all(
        Array.from({ length: 30 }, async (_, i) => {
          const res = await post(`/threads/${thread_id}/${routes[i % 3]}`, { assistant_id: "chat", input: human(`q${i}`), multitask_strategy: i % 2 ? "rollback" : "interrupt" });
          return { status: res.status, route: routes[i % 3], body: await res.text() };
        }),
      );
      expect(answers.filter((a) => a.status !== 200), "every create is answered 200").toEqual([]);
      for (const created of answers.filter((a) => a.route === "runs").map((a) => JSON.parse(a.body))) {
        expect(created).toMatchObject({ run_id: expect.any(String), thread_id, multitask_strategy: expect.stringMatching(/^(interrupt|rollback)$/) });
      }
      // Background runs may still be queued: wait for the thread's queue to drain.
      while ((await s.alice.runs.list(thread_id, { limit: 100 })).some((r) => r.status === "pending" || r.status === "running")) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await s.alice.threads.get(thread_id)).status).toBe("idle");
      // The newest run cancelled every run ahead of it and answered; no run cancelled a newer one.
      const [newest, ...older] = await s.alice.runs.list(thread_id, { limit: 100 });
      expect(newest!.status).toBe("success");
      expect(older.every((r) => r.status === "interrupted" || r.status === "success")).toBe(true);
      const { state } = await expectMirrorEqualsState(thread_id);
      expect(state.values.messages.at(-1)).toMatchObject({ type: "ai", content: "Raced answer" });
    }
  });

  it("cancelMany: the given runs of a thread, or every run of the caller's with a status; never another tenant's", async () => {
    const [one, two] = [await s.alice.threads.create(), await s.alice.threads.create()];
    s.t.mock.script(STALLED);
    const a = await streamUntilTokens(one.thread_id, "first");
    const queued = await s.alice.runs.create(one.thread_id, "chat", { input: human("queued") });
    const b = await streamUntilTokens(two.thread_id, "second", 1);
    const bobThread = await s.bob.threads.create();
    const bobRun = await s.bob.runs.create(bobThread.thread_id, "chat", { input: human("bob's") });

    // By id: both of the thread's runs (one running, one queued); an id that is not there is a 404.
    expect(await sdkStatus(s.alice.runs.cancelMany({ threadId: one.thread_id, runIds: [a.runId, bobRun.run_id] }))).toBe(404);
    // The refused request stopped nothing: the run it named goes on, and the queued run still waits.
    expect((await s.alice.runs.list(one.thread_id)).map((r) => r.status)).toEqual(["pending", "running"]);
    expect(await s.alice.runs.cancelMany({ threadId: one.thread_id, runIds: [a.runId, queued.run_id] })).toBeUndefined();
    await a.rest();
    expect((await s.alice.runs.list(one.thread_id)).map((r) => r.status)).toEqual(["interrupted", "interrupted"]);

    // By status: every running run of Alice's (thread two's), none of Bob's.
    expect(await s.alice.runs.cancelMany({ status: "running" })).toBeUndefined();
    await b.rest();
    expect((await s.alice.runs.get(two.thread_id, b.runId)).status).toBe("interrupted");
    expect((await s.bob.runs.get(bobThread.thread_id, bobRun.run_id)).status).toBe("running");
    await s.bob.runs.cancel(bobThread.thread_id, bobRun.run_id, true);

    // Neither both ways at once, nor neither.
    expect(await sdkStatus(s.alice.runs.cancelMany({ status: "all", threadId: one.thread_id, runIds: [a.runId] }))).toBe(400);
    expect(await sdkStatus(s.alice.runs.cancelMany({}))).toBe(400);
    await expectMirrorEqualsState(one.thread_id);
    await expectMirrorEqualsState(two.thread_id);
  });
});
