import { describe, expect, it } from "vitest";
import { sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";

type Values = { messages: { type: string; content: string; id: string }[] };

// Agent Server runs, driven by the official SDK client only.
describe("Agent Server runs: stream, wait, background", () => {
  const s = sdkSuite();
  const { mirror } = s;

  it("streams multi-turn runs with values and messages-tuple, metadata first, ids in order", async () => {
    const thread = await s.alice.threads.create();
    const turns: { events: { event: string; data: any; id?: string }[] }[] = [];
    for (const [question, answer] of [["hello", "Hi there friend"], ["again", "Second answer"]]) {
      s.t.mock.script({ text: answer });
      const events = [];
      for await (const chunk of s.alice.runs.stream(thread.thread_id, "chat", { input: { messages: [{ role: "user", content: question }] }, streamMode: ["values", "messages-tuple"] })) {
        events.push(chunk);
      }
      turns.push({ events });
    }
    const [first, second] = turns;
    expect(first!.events[0]).toMatchObject({ event: "metadata", data: { run_id: expect.any(String), attempt: 1 } });
    const tokens = second!.events.filter((e) => e.event === "messages").map((e) => e.data[0].content).join("");
    expect(tokens).toBe("Second answer");
    const messageEvent = second!.events.find((e) => e.event === "messages")!;
    expect(messageEvent.data[0]).toMatchObject({ type: expect.stringMatching(/^(ai|AIMessageChunk)$/), id: expect.any(String) });
    expect(messageEvent.data[1]).toMatchObject({ langgraph_node: "agent", thread_id: thread.thread_id });
    const last = second!.events.filter((e) => e.event === "values").at(-1)!.data as Values;
    expect(last.messages.map((m) => [m.type, m.content])).toEqual([["human", "hello"], ["ai", "Hi there friend"], ["human", "again"], ["ai", "Second answer"]]);
    const m = await mirror(thread.thread_id);
    expect(m.messages.map((x) => x.content)).toEqual(["hello", "Hi there friend", "again", "Second answer"]);
    const runs = await s.alice.runs.list(thread.thread_id);
    expect(runs.map((r) => r.status)).toEqual(["success", "success"]);
    // Newest first, pages by offset, and `select` trims each run to the fields named.
    expect(await s.alice.runs.list(thread.thread_id, { limit: 1, offset: 1, select: ["run_id", "status"] })).toEqual([{ run_id: runs[1]!.run_id, status: "success" }]);
    expect(await sdkStatus(s.alice.runs.list(thread.thread_id, { select: ["password" as "run_id"] }))).toBe(400);
  });

  it("waits for a run and returns its final values; background create + join", async () => {
    const thread = await s.alice.threads.create();
    s.t.mock.script({ text: "Waited answer" });
    const values = (await s.alice.runs.wait(thread.thread_id, "chat", { input: { messages: [{ role: "user", content: "wait for it" }] } })) as Values;
    expect(values.messages.at(-1)!.content).toBe("Waited answer");
    s.t.mock.script({ text: "Background answer" });
    const run = await s.alice.runs.create(thread.thread_id, "chat", { input: { messages: [{ role: "user", content: "in the background" }] } });
    expect(run).toMatchObject({ run_id: expect.any(String), thread_id: thread.thread_id, multitask_strategy: "enqueue" });
    const joined = (await s.alice.runs.join(thread.thread_id, run.run_id)) as Values;
    expect(joined.messages.at(-1)!.content).toBe("Background answer");
    expect((await s.alice.runs.get(thread.thread_id, run.run_id)).status).toBe("success");
    expect(await sdkStatus(s.bob.runs.get(thread.thread_id, run.run_id))).toBe(404);
    // Another tenant cannot run on the thread; with if_not_exists create, its id is one nobody has:
    // the run makes a thread of his own known by it, without a word of Alice's.
    const input = { messages: [{ role: "user", content: "mine now" }] };
    expect(await sdkStatus(s.bob.runs.wait(thread.thread_id, "chat", { input }))).toBe(404);
    s.t.mock.script({ text: "Bob's answer" });
    const bobs = (await s.bob.runs.wait(thread.thread_id, "chat", { input, ifNotExists: "create" })) as Values;
    expect(bobs.messages.map((m) => m.content)).toEqual(["mine now", "Bob's answer"]);
    expect((await s.bob.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
    expect(((await s.alice.threads.getState(thread.thread_id)).values as Values).messages.map((m) => m.content)).toEqual(["wait for it", "Waited answer", "in the background", "Background answer"]);
  });

  // A run's result is built when a waiter first asks for it, from its values as they were when it ended.
  it("joins a run that ended before a later run on its thread with its own final values", async () => {
    const thread = await s.alice.threads.create();
    s.t.mock.script({ text: "First answer" });
    const first = await s.alice.runs.create(thread.thread_id, "chat", { input: { messages: [{ role: "user", content: "first" }] } });
    await expect.poll(async () => (await s.alice.runs.get(thread.thread_id, first.run_id)).status, { timeout: 20_000 }).toBe("success");
    s.t.mock.script({ text: "Second answer" });
    const second = (await s.alice.runs.wait(thread.thread_id, "chat", { input: { messages: [{ role: "user", content: "second" }] } })) as Values;
    expect(second.messages.map((m) => m.content)).toEqual(["first", "First answer", "second", "Second answer"]);
    const joined = (await s.alice.runs.join(thread.thread_id, first.run_id)) as Values;
    expect(joined.messages.map((m) => m.content)).toEqual(["first", "First answer"]);
    expect(await s.alice.runs.join(thread.thread_id, first.run_id)).toEqual(joined);
  });
});
