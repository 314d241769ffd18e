import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, postChat } from "./helpers/problem.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");

// The native API on graphs that are not the built-in chat: one without messages (counter), whose
// nodes' outputs stream as `update` events and whose threads are listed by their first input, and
// one whose messages are under another key (notes), mirrored, searched and exported as any chat's.
describe("the native API on any graph's state", () => {
  let t: TestService;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-any-state-"));
    const manifest = path.join(dir, "langgraph.json");
    await writeFile(manifest, JSON.stringify({ graphs: { counter: path.join(GRAPHS, "counter.ts:graph"), notes: path.join(GRAPHS, "notes.ts:graph") } }));
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest }, script: { text: "noted, thank you" } });
  });
  afterAll(() => t.close());

  it("streams each node's output as an update event for a graph that keeps no messages", async () => {
    const res = await chat(t.url, { input: { items: ["start"] } });
    expect(res.events.map((e) => e.event)).toEqual(["start", "update", "update", "end"]);
    expect(res.events.filter((e) => e.event === "update").map((e) => e.data)).toEqual([
      { type: "update", node: "tick", values: { items: ["tick"], count: 1 } },
      { type: "update", node: "tock", values: { items: ["tock"], count: 10 } },
    ]);
    expect(res.events.at(-1)!.data).toMatchObject({ status: "success" });
    const threadId = res.headers.get("x-thread-id")!;

    // Its thread is listed, titled by its first input, with no messages; its state is the graph's.
    const listed = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(listed).toMatchObject({ thread_id: threadId, graph_id: "counter", title: '{"items":["start"]}', message_count: 0, status: "idle" });
    const state = await (await fetch(`${t.url}/api/threads/${threadId}/state`)).json();
    expect(state.values).toEqual({ items: ["start", "tick", "tock"], count: 11, messages: [] });

    // A second turn continues the state; the title stays the first input's.
    await chat(t.url, { thread_id: threadId, input: { items: ["again"] } });
    const after = await (await fetch(`${t.url}/api/threads/${threadId}/state`)).json();
    expect(after.values).toMatchObject({ items: ["start", "tick", "tock", "again", "tick", "tock"], count: 22 });
    expect((await (await fetch(`${t.url}/api/threads/${threadId}`)).json()).title).toBe('{"items":["start"]}');
  });

  it("refuses a message for a graph that keeps none, and input with message, naming the field", async () => {
    await expectProblem(await postChat(t.url, { message: "hello", assistant_id: "counter" }), 400, /^Invalid body: message: the counter graph keeps no messages; send input \(its state\) instead\.$/);
    await expectProblem(await postChat(t.url, { message: "hello", input: { items: [] } }), 400, /^Invalid body: input: cannot be sent with message/);
    await expectProblem(await postChat(t.url, { input: "items" }), 400, /input/);
  });

  it("mirrors, searches and exports the messages of a graph that keeps them under another key", async () => {
    const res = await chat(t.url, { message: "remember the milk", assistant_id: "notes" });
    const threadId = res.headers.get("x-thread-id")!;
    expect(res.events.filter((e) => e.event === "token").map((e) => e.data.content).join("")).toBe("noted, thank you");
    expect(res.events.filter((e) => e.event === "message").map((e) => [e.data.role, e.data.content])).toEqual([
      ["user", "remember the milk"],
      ["assistant", "noted, thank you"],
    ]);
    const listed = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(listed).toMatchObject({ graph_id: "notes", title: "remember the milk", message_count: 2 });
    const found = await (await fetch(`${t.url}/api/threads?q=milk`)).json();
    expect(found.threads.map((th: { thread_id: string }) => th.thread_id)).toEqual([threadId]);
    const exported = await (await fetch(`${t.url}/api/threads/${threadId}/export?format=markdown`)).text();
    expect(exported).toContain("remember the milk");
    expect(exported).toContain("noted, thank you");
    // The model was sent the thread's messages (the graph's own key), and its other state kept.
    const state = await (await fetch(`${t.url}/api/threads/${threadId}/state`)).json();
    expect(state.values).toMatchObject({ turns: 1, messages: [expect.objectContaining({ content: "remember the milk" }), expect.objectContaining({ content: "noted, thank you" })] });
  });
});
