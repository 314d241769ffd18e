import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { graphAssistantId } from "../src/agent-api/graph-assistant-id.js";
import { chat } from "./helpers/sse-client.js";
import { ALICE, sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";


// The official LangGraph client against our Agent Server routes: system, assistants, threads.
describe("Agent Server API: assistants and threads through @langchain/langgraph-sdk", () => {
  const s = sdkSuite();

  const status = sdkStatus;

  it("answers /ok and /info", async () => {
    const headers = { "x-api-key": ALICE };
    expect(await (await fetch(`${s.t.url}/ok`, { headers })).json()).toEqual({ ok: true });
    const info = await (await fetch(`${s.t.url}/info`, { headers })).json();
    expect(info).toMatchObject({ version: expect.any(String), flags: { assistants: true, crons: false } });
  });

  it("lists each graph as an assistant, by graph id or its UUID5, with graph and schemas", async () => {
    // The Agent Server's id for a graph named "agent", from its own sample stream.
    expect(graphAssistantId("agent")).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    const found = await s.alice.assistants.search({ graphId: "chat" });
    expect(found).toEqual([expect.objectContaining({ assistant_id: graphAssistantId("chat"), graph_id: "chat", name: "chat", metadata: { created_by: "system" }, version: 1 })]);
    expect(await s.alice.assistants.get("chat")).toEqual(found[0]);
    expect(await s.alice.assistants.get(graphAssistantId("chat"))).toEqual(found[0]);

    const graph = await s.alice.assistants.getGraph("chat");
    expect(graph.nodes.map((n) => n.id)).toEqual(expect.arrayContaining(["__start__", "__end__"]));
    expect(graph.edges.some((e) => e.source === "__start__")).toBe(true);

    const schemas = await s.alice.assistants.getSchemas(graphAssistantId("draft"));
    expect(schemas.graph_id).toBe("draft");
    expect(Object.keys(schemas.state_schema?.properties ?? {})).toEqual(expect.arrayContaining(["messages", "document"]));
  });

  it("includes the tenant's stored assistants, with offset paging and filters", async () => {
    const created = [];
    for (const name of ["One", "Two", "Three"]) {
      const res = await fetch(`${s.t.url}/api/assistants`, {
        method: "POST", headers: { "x-api-key": ALICE, "content-type": "application/json" },
        body: JSON.stringify({ graph_id: "chat", name, metadata: { team: "zoo" } }),
      });
      created.push((await res.json()).assistant_id as string);
    }
    const zoo = await s.alice.assistants.search({ metadata: { team: "zoo" }, limit: 2 });
    expect(zoo.map((a) => a.name)).toEqual(["Three", "Two"]);
    const rest = await s.alice.assistants.search({ metadata: { team: "zoo" }, limit: 2, offset: 2 });
    expect(rest.map((a) => a.name)).toEqual(["One"]);
    const all = await s.alice.assistants.search({ limit: 10 });
    expect(all.map((a) => a.graph_id)).toEqual(["chat", "draft", "chat", "chat", "chat"]);
    const stored = await s.alice.assistants.get(created[0]!);
    expect(stored).toMatchObject({ assistant_id: created[0], name: "One", graph_id: "chat", config: { configurable: {} } });
    // Another tenant sees the graphs, not alice's assistants.
    expect((await s.bob.assistants.search({ limit: 10 })).map((a) => a.name)).toEqual(["chat", "draft"]);
    expect(await status(s.bob.assistants.get(created[0]!))).toBe(404);
    expect(await status(s.alice.assistants.get("nope"))).toBe(404);
  });

  it("creates, reads, searches, counts, updates, copies and deletes threads", async () => {
    const thread = await s.alice.threads.create({ metadata: { project: "zoo" } });
    // Made without a graph, it has none yet: its first run's becomes its own (the chat below).
    expect(thread).toMatchObject({ status: "idle", values: {}, interrupts: {} });
    expect(thread.metadata).toEqual({ project: "zoo" });
    const draft = await s.alice.threads.create({ graphId: "draft", metadata: { project: "zoo" } });
    expect(draft.metadata).toEqual({ project: "zoo", graph_id: "draft" });

    // It is one of our threads: /api/threads lists it.
    const listed = await (await fetch(`${s.t.url}/api/threads`, { headers: { "x-api-key": ALICE } })).json();
    expect(listed.threads.map((th: { thread_id: string }) => th.thread_id)).toEqual(expect.arrayContaining([thread.thread_id, draft.thread_id]));

    // A chat on it fills its values with LangChain message dicts.
    s.t.mock.script({ text: "Hello Alice" });
    expect((await chat(s.t.url, { message: "hi", thread_id: thread.thread_id }, { "x-api-key": ALICE })).status).toBe(200);
    const read = await s.alice.threads.get<{ messages: Record<string, unknown>[] }>(thread.thread_id);
    expect(read.values.messages).toEqual([
      expect.objectContaining({ type: "human", content: "hi", additional_kwargs: {}, response_metadata: {}, id: expect.any(String) }),
      expect.objectContaining({ type: "ai", content: "Hello Alice", tool_calls: [], id: expect.any(String) }),
    ]);

    expect((await s.alice.threads.search({ metadata: { project: "zoo" } })).map((th) => th.thread_id).sort()).toEqual([thread.thread_id, draft.thread_id].sort());
    expect((await s.alice.threads.search({ metadata: { graph_id: "draft" } })).map((th) => th.thread_id)).toEqual([draft.thread_id]);
    expect(await s.alice.threads.search({ metadata: { project: "zoo" }, limit: 1, offset: 1, sortBy: "created_at", sortOrder: "asc" })).toEqual([
      expect.objectContaining({ thread_id: draft.thread_id }),
    ]);
    expect(await s.alice.threads.count({ metadata: { project: "zoo" } })).toBe(2);

    const updated = await s.alice.threads.update(thread.thread_id, { metadata: { pinned: true } });
    expect(updated.metadata).toEqual({ project: "zoo", pinned: true, graph_id: "chat" });

    const copy = await s.alice.threads.copy(thread.thread_id);
    expect(copy.thread_id).not.toBe(thread.thread_id);
    expect((copy.values as { messages: unknown[] }).messages).toEqual(read.values.messages);
    expect(copy.metadata).toMatchObject({ project: "zoo", graph_id: "chat" });

    await s.alice.threads.delete(copy.thread_id);
    expect(await status(s.alice.threads.get(copy.thread_id))).toBe(404);
  });

  it("honours if_exists: 409 for raise, the thread for do_nothing", async () => {
    const threadId = randomUUID();
    const first = await s.alice.threads.create({ threadId });
    expect(first.thread_id).toBe(threadId);
    const res = await fetch(`${s.t.url}/threads`, {
      method: "POST", headers: { "x-api-key": ALICE, "content-type": "application/json" }, body: JSON.stringify({ thread_id: threadId, if_exists: "raise" }),
    });
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ type: "about:blank#conflict", status: 409 });
    expect(await status(s.alice.threads.create({ threadId, ifExists: "raise" }))).toBe(409);
    expect((await s.alice.threads.create({ threadId, ifExists: "do_nothing" })).thread_id).toBe(threadId);
    // To another owner the id is one nobody has: he gets a thread of his own known by it, and sees nothing of Alice's.
    await s.alice.threads.update(threadId, { metadata: { owner: "alice" } });
    const bobs = await s.bob.threads.create({ threadId, ifExists: "raise", metadata: { owner: "bob" } });
    expect(bobs).toMatchObject({ thread_id: threadId, metadata: { owner: "bob" }, values: {} });
    expect(await s.bob.threads.get(threadId)).toEqual(bobs);
    expect((await s.alice.threads.get(threadId)).metadata).toMatchObject({ owner: "alice" });
    expect(await status(s.bob.threads.create({ threadId, ifExists: "raise" }))).toBe(409);
  });

  it("creates a thread from supersteps: each one a checkpoint, as if its nodes had run, so a run's history can be rebuilt", async () => {
    const { thread_id } = await s.alice.threads.create();
    s.t.mock.script({ text: "Original answer" });
    const stream = [];
    for await (const chunk of s.alice.runs.stream(thread_id, "chat", { input: { messages: [{ role: "user", content: "original" }] }, streamMode: ["updates"] })) stream.push(chunk);
    const history = await s.alice.threads.getHistory(thread_id, { limit: 100 });
    const input = history.at(-2)!.values;
    const updates = stream.filter((c) => c.event === "updates").map((c) => ({ updates: Object.entries(c.data as object).map(([asNode, values]) => ({ asNode, values })) }));
    expect(updates.length).toBeGreaterThan(0);
    const requests = s.t.mock.requests.length;

    const clone = await s.alice.threads.create({
      graphId: "chat",
      metadata: { cloned_from: thread_id },
      supersteps: [{ updates: [{ asNode: "__input__", values: input }] }, { updates: [{ asNode: "__start__", values: input }] }, ...updates],
    });
    expect(clone).toMatchObject({ status: "idle", metadata: { graph_id: "chat", cloned_from: thread_id } });
    const rebuilt = await s.alice.threads.getHistory(clone.thread_id, { limit: 100 });
    expect(rebuilt.map(({ next, values }) => ({ next, values }))).toEqual(history.map(({ next, values }) => ({ next, values })));
    expect(s.t.mock.requests.length, "the model was called").toBe(requests);
    // The mirror follows the new head, as after any state update.
    expect((await s.mirror(clone.thread_id)).messages.map((m) => m.content)).toEqual(["original", "Original answer"]);
  });

  it("refuses supersteps without a graph, and leaves no thread behind when the graph refuses them", async () => {
    const before = await s.alice.threads.count();
    const steps = [{ updates: [{ asNode: "no-such-node", values: { messages: [{ role: "user", content: "x" }] } }] }];
    expect(await status(s.alice.threads.create({ supersteps: steps }))).toBe(400);
    expect(await status(s.alice.threads.create({ graphId: "chat", supersteps: steps }))).toBe(400);
    expect(await status(s.alice.threads.create({ graphId: "chat", supersteps: [{ updates: [] }] }))).toBe(400);
    expect(await s.alice.threads.count()).toBe(before);
  });

  it("keeps threads per owner and answers 404 problems for unknown ids", async () => {
    const thread = await s.alice.threads.create({ metadata: { secret: "yes" } });
    expect(await status(s.bob.threads.get(thread.thread_id))).toBe(404);
    expect(await status(s.bob.threads.update(thread.thread_id, { metadata: { x: 1 } }))).toBe(404);
    expect(await status(s.bob.threads.copy(thread.thread_id))).toBe(404);
    expect(await status(s.bob.threads.delete(thread.thread_id))).toBe(404);
    expect(await s.bob.threads.search({ metadata: { secret: "yes" } })).toEqual([]);
    expect(await s.bob.threads.count({ metadata: { secret: "yes" } })).toBe(0);

    const res = await fetch(`${s.t.url}/threads/${randomUUID()}`, { headers: { "x-api-key": ALICE } });
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ type: "about:blank#not_found", status: 404 });
  });
});
