import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMirrorMatchesCheckpoint, runRows, summary } from "./helpers/checkpoint-state.js";
import { openChat, words } from "./helpers/live-chat.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

describe("a second run on a busy thread", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());


  // Proves the run slot: 409 problem+json naming the running run; the first run is unharmed; the slot frees.
  it("is refused with 409 naming the running run, and the thread takes runs again afterwards", async () => {
    t.mock.script({ text: "First answer." });
    const first = await chat(t.url, { message: "first" });
    const threadId = first.headers.get("x-thread-id")!;

    const slow = words(20);
    t.mock.script({ text: slow, tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "second", thread_id: threadId });
    const runId = (await live.readUntil((e) => e.event === "start")).data.run_id as string;
    await live.readUntil((e) => e.event === "token");
    const requestsBefore = t.mock.requests.length;

    const refused = await fetch(`${t.url}/api/chat`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "too soon", thread_id: threadId }),
    });
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    const problem = await refused.json();
    expect(problem).toEqual({
      type: "about:blank#conflict", title: "Conflict", status: 409, running_run_id: runId, detail: expect.any(String),
    });
    expect(problem.detail).toContain(runId);
    expect(problem.detail).toContain(threadId);

    // The first run streams on to its normal end.
    const events = await live.readToEnd();
    expect(events.at(-1)!.data).toMatchObject({ type: "end", run_id: runId, status: "success" });
    expect(events.filter((e) => e.event === "token").map((e) => e.data.content).join("")).toBe(slow);
    // The refused request reached neither the model nor either store.
    expect(t.mock.requests.length).toBe(requestsBefore);

    t.mock.script({ text: "Third answer." });
    const third = await chat(t.url, { message: "third", thread_id: threadId });
    expect(third.status).toBe(200);
    expect(third.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([
      ["user", "first", "complete"], ["assistant", "First answer.", "complete"],
      ["user", "second", "complete"], ["assistant", slow, "complete"],
      ["user", "third", "complete"], ["assistant", "Third answer.", "complete"],
    ]);
    expect((await runRows(t.db.pool, threadId)).map((r) => r.status)).toEqual(["success", "success", "success"]);
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.status).toBe("idle");
  });

  // Proves the GET (EventSource) route goes through the same slot: also a 409 problem, not a broken stream.
  it("is refused the same way on GET /chat", async () => {
    t.mock.script({ text: words(20), tokenDelayMs: 40 });
    const live = await openChat(t.url, { message: "long one" });
    const runId = (await live.readUntil((e) => e.event === "start")).data.run_id as string;

    const refused = await fetch(`${t.url}/chat?${new URLSearchParams({ message: "again", thread_id: live.threadId })}`);
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await refused.json()).running_run_id).toBe(runId);

    expect((await live.readToEnd()).at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    await expectMirrorMatchesCheckpoint(t.db.pool, live.threadId);
  });

  // Proves the slot holds under a race: two runs sent at once on an idle thread, exactly one is accepted.
  it("accepts exactly one of two runs sent at the same moment", async () => {
    t.mock.script({ text: "Only once." });
    const threadId = (await chat(t.url, { message: "hi" })).headers.get("x-thread-id")!;
    // Slow enough that the accepted run is still going when the other request is handled.
    t.mock.script({ text: words(10), tokenDelayMs: 40 });
    const both = await Promise.all(["left", "right"].map((message) => chat(t.url, { message, thread_id: threadId })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const [accepted, refused] = both[0].status === 200 ? both : [both[1], both[0]];
    expect(JSON.parse(refused.body).running_run_id).toBe(accepted.events[0].data.run_id);
    expect(accepted.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(messages[2].content).toBe(accepted === both[0] ? "left" : "right");
  });
});
