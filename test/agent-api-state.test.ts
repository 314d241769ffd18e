import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StateSnapshot } from "@langchain/langgraph";
import { checkpointObject } from "../src/agent-api/thread-state-object.js";
import { wireJson } from "../src/agent-api/wire-json.js";
import type { MockRequest } from "./helpers/mock-openai.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const ALICE = { authorization: "Bearer key-aaaaaaaa" };

// The LangGraph Agent Server state routes, driven by the official SDK client.
describe("Agent Server state and history routes", () => {
  let t: TestService;
  let client: Client;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: "key-aaaaaaaa:tenantA:alice,key-bbbbbbbb:tenantB:bob" } });
    client = new Client({ apiUrl: t.url, apiKey: "key-aaaaaaaa" });
  });
  afterAll(() => t.close());

  async function threadWithTwoTurns(): Promise<string> {
    t.mock.script({ text: "First answer." });
    const first = await chat(t.url, { message: "hello" }, ALICE);
    const threadId = first.headers.get("x-thread-id")!;
    t.mock.script({ text: "Second answer." });
    await chat(t.url, { message: "again", thread_id: threadId }, ALICE);
    return threadId;
  }

  const graph = () => t.service.graphs.get("chat");
  const mirror = async (threadId: string) =>
    (await (await fetch(`${t.url}/api/threads/${threadId}`, { headers: ALICE })).json()) as { messages: { role: string; content: string }[]; head_checkpoint_id: string };

  it("getState returns the head state in the Agent Server shape, equal to the graph's own", async () => {
    const threadId = await threadWithTwoTurns();
    const state = await client.threads.getState<{ messages: Record<string, unknown>[] }>(threadId);
    const own = await (await graph()).getState({ configurable: { thread_id: threadId } });

    expect(state.checkpoint).toEqual({ thread_id: threadId, checkpoint_ns: "", checkpoint_id: own.config.configurable!.checkpoint_id, checkpoint_map: null });
    expect(state.parent_checkpoint).toEqual(checkpointObject(own.parentConfig));
    expect(state.next).toEqual([]);
    expect(state.tasks).toEqual([]);
    expect(state.created_at).toBe(own.createdAt);
    expect(state.metadata).toEqual(wireJson(own.metadata));
    expect(state.values).toEqual(wireJson(own.values));
    // Messages as LangChain dicts, the way the sample stream's `values` events carry them.
    expect(state.values.messages.map((m) => [m.type, m.content])).toEqual([["human", "hello"], ["ai", "First answer."], ["human", "again"], ["ai", "Second answer."]]);
    expect(state.values.messages[1]).toMatchObject({ id: expect.any(String), additional_kwargs: expect.any(Object), response_metadata: expect.any(Object), tool_calls: [], invalid_tool_calls: [] });
    expect(state.values.messages[1]).not.toHaveProperty("lc");
  });

  it("getState at a checkpoint (string id and Checkpoint object) equals the graph's state there", async () => {
    const threadId = await threadWithTwoTurns();
    const older = [];
    for await (const s of (await graph()).getStateHistory({ configurable: { thread_id: threadId } })) older.push(s);
    const target = older[2];
    const id = target.config.configurable!.checkpoint_id as string;

    const byId = await client.threads.getState(threadId, id);
    const byObject = await client.threads.getState(threadId, { thread_id: threadId, checkpoint_ns: "", checkpoint_id: id, checkpoint_map: null });
    expect(byId.checkpoint.checkpoint_id).toBe(id);
    expect(byId.values).toEqual(wireJson(target.values));
    expect(byId.next).toEqual(target.next);
    expect(byId.tasks.map((task) => task.name)).toEqual(target.tasks.map((task) => task.name));
    expect(byObject).toEqual(byId);
  });

  it("getHistory pages newest first with limit and before, like getStateHistory", async () => {
    const threadId = await threadWithTwoTurns();
    const own = [];
    for await (const s of (await graph()).getStateHistory({ configurable: { thread_id: threadId } })) own.push(s);
    const ids = own.map((s) => s.config.configurable!.checkpoint_id);

    const all = await client.threads.getHistory(threadId, { limit: 100 });
    expect(all.map((s) => s.checkpoint.checkpoint_id)).toEqual(ids);
    expect(all[0]).toEqual(await client.threads.getState(threadId));

    const page1 = await client.threads.getHistory(threadId, { limit: 3 });
    const page2 = await client.threads.getHistory(threadId, { limit: 3, before: { configurable: { checkpoint_id: page1.at(-1)!.checkpoint.checkpoint_id! } } });
    expect([...page1, ...page2].map((s) => s.checkpoint.checkpoint_id)).toEqual(ids.slice(0, 6));

    const viaGet = await (await fetch(`${t.url}/threads/${threadId}/history?limit=2&before=${ids[1]}`, { headers: ALICE })).json();
    expect(viaGet.map((s: { checkpoint: { checkpoint_id: string } }) => s.checkpoint.checkpoint_id)).toEqual(ids.slice(2, 4));
  });

  it("getHistory and getState answer, byte for byte, the graph's own states encoded value by value, on a thread with tool calls, an interrupt and a branch", async () => {
    // Calculator turns, then an e-mail that waits for approval; a tool result is answered by quoting it.
    t.mock.script((req: MockRequest) => {
      const last = req.messages.at(-1);
      if (last?.role === "tool") return { text: `noted: ${last.content} é 数` };
      const asked = String(last?.content);
      if (/email/.test(asked)) return { toolCalls: [{ name: "send_email", args: { to: "bob@example.com", subject: "Lunch", body: "Noon?" } }] };
      return /calc/.test(asked) ? { toolCalls: [{ name: "calculator", args: { expression: "6 * 7" } }] } : { text: "hello back" };
    });
    const first = await chat(t.url, { message: "calc 6 * 7" }, ALICE);
    const threadId = first.headers.get("x-thread-id")!;
    await chat(t.url, { message: "calc again", thread_id: threadId }, ALICE);
    // A branch from the state after the first turn, then the e-mail on it: the head waits for approval.
    const own1: StateSnapshot[] = [];
    for await (const s of (await graph()).getStateHistory({ configurable: { thread_id: threadId } })) own1.push(s);
    const afterFirst = own1.find((s) => s.values.messages?.length === 4 && s.next.length === 0)!;
    await client.threads.updateState(threadId, { values: { messages: [{ type: "human", content: "hello", id: "branch-1" }] }, asNode: "agent", checkpointId: afterFirst.config.configurable!.checkpoint_id });
    t.mock.script((req: MockRequest) => (req.messages.at(-1)?.role === "tool" ? { text: "sent" } : { toolCalls: [{ name: "send_email", args: { to: "bob@example.com", subject: "Lunch", body: "Noon?" } }] }));
    const paused = await chat(t.url, { message: "email bob", thread_id: threadId }, ALICE);
    expect(paused.events.some((e) => e.event === "interrupt")).toBe(true);

    const own: StateSnapshot[] = [];
    for await (const s of (await graph()).getStateHistory({ configurable: { thread_id: threadId } })) own.push(s);
    expect(own[0].tasks.flatMap((task) => task.interrupts)).toHaveLength(1);
    expect((wireJson(own[0].values) as { messages: { type: string; tool_calls?: unknown[] }[] }).messages.filter((m) => m.type === "tool")).toHaveLength(1);
    expect((wireJson(own[0].values) as { messages: { type: string; tool_calls?: unknown[] }[] }).messages.filter((m) => m.tool_calls?.length)).toHaveLength(2);
    expect(new Set(own.map((s) => s.parentConfig?.configurable?.checkpoint_id)).size).toBeLessThan(own.length);
    // The Agent Server's shape with every value encoded on its own by wireJson (what the routes answered before answers were spliced).
    const expected = (s: StateSnapshot, root = true) => {
      const tasks = s.tasks.map((task) => ({
        id: task.id, name: task.name, path: wireJson(task.path ?? []), error: task.error == null ? null : String((task.error as Error).message ?? task.error),
        interrupts: task.interrupts.map((i) => ({ value: wireJson(i.value ?? null), ...(i.id ? { id: i.id } : {}) })),
        checkpoint: null, state: null, result: wireJson(task.result ?? null),
      }));
      return {
        values: wireJson(s.values), next: [...s.next], checkpoint: checkpointObject(s.config), metadata: wireJson(s.metadata ?? {}), created_at: s.createdAt ?? null,
        parent_checkpoint: checkpointObject(s.parentConfig), tasks, ...(root ? { interrupts: tasks.flatMap((task) => task.interrupts) } : {}),
      };
    };
    const post = async (path: string, body: unknown) => (await fetch(`${t.url}${path}`, { method: "POST", headers: { ...ALICE, "content-type": "application/json" }, body: JSON.stringify(body) })).text();
    expect(await post(`/threads/${threadId}/history`, { limit: 100 })).toBe(JSON.stringify(own.map((s) => expected(s))));
    expect(await post(`/threads/${threadId}/history`, { limit: 10 })).toBe(JSON.stringify(own.slice(0, 10).map((s) => expected(s))));
    const head = await fetch(`${t.url}/threads/${threadId}/state`, { headers: ALICE });
    const body = await head.text();
    expect(body).toBe(JSON.stringify(expected(own[0])));
    // Its length, its type, and no ETag (the Agent Server sends none; hashing the answer for one cost a millisecond a megabyte).
    expect([head.headers.get("content-length"), head.headers.get("content-type"), head.headers.get("etag")]).toEqual([String(Buffer.byteLength(body)), "application/json; charset=utf-8", null]);
    // Nor does any other answer of ours carry one (the thread itself, on either API).
    for (const path of [`/threads/${threadId}`, `/api/threads/${threadId}`]) expect((await fetch(`${t.url}${path}`, { headers: ALICE })).headers.get("etag")).toBeNull();
    const at = own[5].config.configurable!.checkpoint_id as string;
    expect(await (await fetch(`${t.url}/threads/${threadId}/state/${at}`, { headers: ALICE })).text()).toBe(JSON.stringify(expected(own[5])));
  });

  it("a run's metadata and configurable are in the metadata of each checkpoint it writes, and getHistory filters by them", async () => {
    // A thread made without a graph, run with a stored assistant: its history is that graph's checkpoints.
    const assistant = await client.assistants.create({ graphId: "chat", config: { configurable: { temperature: 0.5 } } });
    const { thread_id } = await client.threads.create();
    expect(await client.threads.getHistory(thread_id)).toEqual([]);
    const input = (content: string) => ({ messages: [{ role: "user", content }] });
    t.mock.script({ text: "First." });
    await client.runs.wait(thread_id, assistant.assistant_id, { input: input("one") });
    const first = await client.threads.getHistory(thread_id, { limit: 100 });
    expect(first.length).toBeGreaterThan(1);
    expect(first.at(-1)!.next).toEqual(["__start__"]);
    t.mock.script({ text: "Second." });
    await client.runs.wait(thread_id, assistant.assistant_id, { input: input("two"), metadata: { origin: "batch-7" }, config: { configurable: { model: "mock-model" } } });

    const all = await client.threads.getHistory(thread_id, { limit: 100 });
    const second = all.slice(0, all.length - first.length);
    expect(second.length).toBeGreaterThan(1);
    for (const state of second) {
      expect(state.metadata).toMatchObject({ origin: "batch-7", graph_id: "chat", assistant_id: assistant.assistant_id, temperature: 0.5, model: "mock-model", run_attempt: 1 });
      // Ours stays ours: the tenant tools read, and LangGraph's keys.
      expect(Object.keys(state.metadata!).filter((key) => key === "tenant_id" || key.startsWith("__"))).toEqual([]);
    }
    expect(first.every((state) => state.metadata?.origin === undefined)).toBe(true);
    const filtered = await client.threads.getHistory(thread_id, { limit: 100, metadata: { origin: "batch-7" } });
    expect(filtered.map((state) => state.checkpoint.checkpoint_id)).toEqual(second.map((state) => state.checkpoint.checkpoint_id));
    expect(await client.threads.getHistory(thread_id, { limit: 100, metadata: { model: "mock-model" } })).toHaveLength(second.length);
  });

  it("updateState appends a message as the agent; the mirror then shows it", async () => {
    const threadId = await threadWithTwoTurns();
    const result = await client.threads.updateState(threadId, { values: { messages: [{ type: "ai", content: "A note from elsewhere.", id: "note-1" }] }, asNode: "agent" });
    const head = await client.threads.getState<{ messages: Record<string, unknown>[] }>(threadId);
    expect(result).toEqual({ checkpoint: head.checkpoint });
    expect(head.next).toEqual([]);
    expect(head.values.messages.at(-1)).toMatchObject({ type: "ai", content: "A note from elsewhere.", id: "note-1" });

    const thread = await mirror(threadId);
    expect(thread.head_checkpoint_id).toBe(head.checkpoint.checkpoint_id);
    expect(thread.messages.map((m) => [m.role, m.content])).toEqual(head.values.messages.map((m) => [m.type === "human" ? "user" : "assistant", m.content]));
  });

  it("updateState from an older checkpoint makes a new head branch, and the mirror follows it", async () => {
    const threadId = await threadWithTwoTurns();
    const history = await client.threads.getHistory<{ messages: { content: string }[] }>(threadId, { limit: 100 });
    const afterFirstTurn = history.find((s) => s.values.messages?.length === 2 && s.next.length === 0)!;

    const result = await client.threads.updateState(threadId, { values: { messages: [{ type: "human", content: "a different second question" }] }, asNode: "agent", checkpointId: afterFirstTurn.checkpoint.checkpoint_id! });
    const head = await client.threads.getState<{ messages: { content: string }[] }>(threadId);
    // The SDK declares `Pick<Config, "configurable">`; the Agent Server answers `{checkpoint}`, as we do.
    expect(result).toEqual({ checkpoint: head.checkpoint });
    expect(head.parent_checkpoint?.checkpoint_id).toBe(afterFirstTurn.checkpoint.checkpoint_id);
    expect(head.values.messages.map((m) => m.content)).toEqual(["hello", "First answer.", "a different second question"]);
    expect((await mirror(threadId)).messages.map((m) => m.content)).toEqual(["hello", "First answer.", "a different second question"]);
  });

  it("updateState is refused with 409 while a run is in progress", async () => {
    const threadId = await threadWithTwoTurns();
    t.mock.script({ text: "one two three four five six seven eight nine ten eleven twelve", tokenDelayMs: 50 });
    const response = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json", ...ALICE }, body: JSON.stringify({ message: "slow", thread_id: threadId }) });
    const reader = response.body!.getReader();
    let seen = "";
    while (!seen.includes("event: token")) seen += new TextDecoder().decode((await reader.read()).value);

    const refused = await fetch(`${t.url}/threads/${threadId}/state`, { method: "POST", headers: { "content-type": "application/json", ...ALICE }, body: JSON.stringify({ values: { messages: [{ type: "human", content: "x" }] }, as_node: "agent" }) });
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await refused.json()).toMatchObject({ status: 409, running_run_id: expect.any(String) });
    await expect(client.threads.updateState(threadId, { values: {}, asNode: "agent" })).rejects.toMatchObject({ status: 409 });

    while (!(await reader.read()).done);
    expect(t.service.runs.activeCount).toBe(0);
  });

  it("404 for an unknown thread, an unknown checkpoint and another tenant's thread", async () => {
    const threadId = await threadWithTwoTurns();
    const unknown = "00000000-0000-4000-8000-000000000000";
    await expect(client.threads.getState(unknown)).rejects.toMatchObject({ status: 404 });
    await expect(client.threads.getHistory(unknown)).rejects.toMatchObject({ status: 404 });
    await expect(client.threads.getState(threadId, "1f000000-0000-6000-8000-000000000000")).rejects.toMatchObject({ status: 404 });
    await expect(client.threads.updateState(threadId, { values: {}, asNode: "agent", checkpointId: "1f000000-0000-6000-8000-000000000000" })).rejects.toMatchObject({ status: 404 });

    const bob = new Client({ apiUrl: t.url, apiKey: "key-bbbbbbbb" });
    await expect(bob.threads.getState(threadId)).rejects.toMatchObject({ status: 404 });
    await expect(bob.threads.getHistory(threadId)).rejects.toMatchObject({ status: 404 });
    await expect(bob.threads.updateState(threadId, { values: { messages: [] }, asNode: "agent" })).rejects.toMatchObject({ status: 404 });
  });

  it("400 problem for bad bodies and parameters", async () => {
    const threadId = await threadWithTwoTurns();
    const post = (path: string, body: unknown) =>
      fetch(`${t.url}/threads/${threadId}${path}`, { method: "POST", headers: { "content-type": "application/json", ...ALICE }, body: JSON.stringify(body) });
    for (const [path, body, field] of [
      ["/state", { values: "nope" }, "values"],
      ["/state", { values: {}, as_node: "agent", extra: 1 }, "extra"],
      ["/state", { values: {}, as_node: "no-such-node" }, "as_node"],
      ["/state", { values: { messages: [{ content: "no type or role" }] }, as_node: "agent" }, "values.messages.0.type"],
      ["/state", { values: {}, checkpoint_id: "not-a-checkpoint" }, "checkpoint_id"],
      ["/state/checkpoint", {}, "checkpoint"],
      ["/history", { limit: 0 }, "limit"],
      // Found by the fuzz (test/fuzz): PostgreSQL cannot compare jsonb holding NUL, and said so as a 500.
      ["/history", { metadata: { role: "a\u0000b" } }, "metadata"],
    ] as const) {
      const res = await post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
      expect((await res.json()).invalid_params.map((p: { name: string }) => p.name)).toContain(field);
    }
    expect((await fetch(`${t.url}/threads/not-a-uuid/state`, { headers: ALICE })).status).toBe(400);
    expect((await fetch(`${t.url}/threads/${threadId}/history?limit=abc`, { headers: ALICE })).status).toBe(400);
  });
});
