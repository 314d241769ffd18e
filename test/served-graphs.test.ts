import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Checkpoint, Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILDER_REPLY } from "./graphs/builder.js";
import type { MockReply } from "./helpers/mock-openai.js";
import { chat } from "./helpers/sse-client.js";
import { sdkStatus } from "./helpers/sdk-clients.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

type Chunk = { event: string; data: any };
type Message = { type: string; content: string; id: string; tool_calls?: { name: string; args: unknown }[] };
type Messages = { messages: Message[] };

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
// One export of each shape the service accepts; the first listed answers /api/chat without assistant_id.
const ENTRIES: Record<string, string> = {
  builder: "builder.ts:graph",
  counter: "counter.ts:graph",
  nested: "nested.ts:graph",
  factory: "factory.ts:graph",
  factory_async: "factory.ts:asyncGraph",
  agent: "agent.ts:agent",
  agent_factory: "agent.ts:makeAgent",
  react: "react.ts:graph",
  approval: "approval.ts:graph",
  reviewed: "agent.ts:reviewedAgent",
  promised: "promised.ts:graph",
  failing: "failing.ts:graph",
};
const WEATHER_CALL: MockReply[] = [{ toolCalls: [{ id: "call_w", name: "get_weather", args: { city: "Paris" } }] }, { text: "Sunny in Paris" }];

const user = (content: string) => ({ messages: [{ role: "user", content }] });
const ofEvent = (chunks: Chunk[], event: string) => chunks.filter((c) => c.event === event).map((c) => c.data);
const withoutIds = (name: string) => name.replace(/:[0-9a-f-]{36}/g, ":*");

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/**
 * A langgraph.json in a folder of its own, outside the repo: every fixture by absolute path but
 * the counter, whose path is relative to the manifest's folder (not to the working directory).
 */
async function writeManifest(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-graphs-"));
  dirs.push(dir);
  const graphs = Object.fromEntries(
    Object.entries(ENTRIES).map(([id, spec]) => {
      const [file, name] = spec.split(":");
      const full = path.join(GRAPHS, file!);
      return [id, `${id === "counter" ? `./${path.relative(dir, full)}` : full}:${name}`];
    }),
  );
  const manifest = path.join(dir, "langgraph.json");
  await writeFile(manifest, JSON.stringify({ graphs }, null, 2));
  return manifest;
}

const clientOf = (t: TestService) => new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });

// The user's own graphs, listed in a langgraph.json, served by the Agent Server API and /api/chat.
describe("served graphs: each export shape of langgraph.json", () => {
  let t: TestService;
  let client: Client;
  beforeAll(async () => {
    t = await startTestService({ env: { LANGGRAPH_JSON: await writeManifest() } });
    client = clientOf(t);
  });
  afterAll(() => t?.close());

  // Made for its graph (a test of its own covers a thread made without one, which a first run names).
  const newThread = async (graphId: string) => (await client.threads.create({ graphId })).thread_id;

  it("lists every graph of the manifest as an assistant", async () => {
    const assistants = await client.assistants.search({ limit: 100 });
    expect(assistants.map((a) => a.graph_id).sort()).toEqual(Object.keys(ENTRIES).sort());
  });

  describe("Agent Server API", () => {
    it("counter (compiled, no messages): updates per node, and its reducers append and sum across runs", async () => {
      const threadId = await newThread("counter");
      const chunks = await collect(client.runs.stream(threadId, "counter", { input: { items: ["start"], count: 1 }, streamMode: "updates" }));
      expect(ofEvent(chunks, "updates")).toEqual([{ tick: { items: ["tick"], count: 1 } }, { tock: { items: ["tock"], count: 10 } }]);
      const values = await client.runs.wait(threadId, "counter", { input: { items: ["again"], count: 0 } });
      expect(values).toEqual({ items: ["start", "tick", "tock", "again", "tick", "tock"], count: 23 });
      expect((await client.threads.getState(threadId)).values).toEqual(values);
      expect((await client.runs.list(threadId)).map((r) => r.status)).toEqual(["success", "success"]);
    });

    // The Agent Server sets a thread's graph_id at its first run; SDK clients often create threads without one.
    it("a thread created without a graph takes the graph of its first run: its state, interrupts and history read through it", async () => {
      const threadId = (await client.threads.create()).thread_id;
      await client.runs.wait(threadId, "nested", { input: { topic: "tea" } });
      const thread = await client.threads.get(threadId);
      expect(thread.metadata).toMatchObject({ graph_id: "nested" });
      expect(Object.values(thread.interrupts).flat()).toEqual([expect.objectContaining({ value: expect.objectContaining({ question: "Are these notes right?" }) })]);
      expect((await client.threads.getState(threadId)).next).toEqual(["research"]);
      expect((await client.threads.getHistory(threadId, { limit: 1 }))[0]!.values).toEqual({ topic: "tea" });
    });

    it("nested: the subgraph's interrupt pauses the run; its events come namespaced with streamSubgraphs", async () => {
      const threadId = await newThread("nested");
      const chunks = await collect(client.runs.stream(threadId, "nested", { input: { topic: "tea" }, streamMode: ["values", "updates"], streamSubgraphs: true }));
      const question = { question: "Are these notes right?", notes: ["tea is old", "tea is popular"] };
      const inner = chunks.filter((c) => c.event.startsWith("updates|"));
      expect(inner.map((c) => withoutIds(c.event))).toEqual(["updates|research:*", "updates|research:*"]);
      expect(inner[0]!.data).toEqual({ gather: { notes: ["tea is old", "tea is popular"] } });
      expect(inner[1]!.data).toEqual({ __interrupt__: [expect.objectContaining({ id: expect.any(String), value: question })] });
      expect(ofEvent(chunks, "values").at(-1)).toEqual({ __interrupt__: [expect.objectContaining({ id: expect.any(String), value: question })] });
      const [run] = await client.runs.list(threadId);
      expect(run!.status).toBe("interrupted");
      const thread = await client.threads.get(threadId);
      expect(thread.status).toBe("interrupted");
      expect(Object.values(thread.interrupts).flat()).toEqual([expect.objectContaining({ value: question })]);
    });

    it("nested: getState with subgraphs shows the subgraph's own state in the paused task; resume finishes both", async () => {
      const threadId = await newThread("nested");
      await client.runs.wait(threadId, "nested", { input: { topic: "tea" } });
      const state = await client.threads.getState(threadId, undefined, { subgraphs: true });
      expect(state.values).toEqual({ topic: "tea" });
      expect(state.next).toEqual(["research"]);
      expect(state.tasks).toHaveLength(1);
      const [task] = state.tasks;
      expect(task).toMatchObject({ name: "research", interrupts: [{ value: { question: "Are these notes right?", notes: ["tea is old", "tea is popular"] } }] });
      expect(task!.state).toMatchObject({ values: { topic: "tea", notes: ["tea is old", "tea is popular"] }, next: ["review"] });
      expect(task!.state!.checkpoint.checkpoint_ns).toMatch(/^research:[0-9a-f-]{36}$/);
      // Without subgraphs a task names the subgraph but carries none of its state.
      expect((await client.threads.getState(threadId)).tasks).toEqual([expect.objectContaining({ name: "research", state: null })]);

      const done = await client.runs.wait(threadId, "nested", { command: { resume: "looks right" } });
      expect(done).toEqual({ topic: "tea", report: "tea: tea is old; tea is popular (looks right)", published: true });
      const after = await client.threads.getState(threadId, undefined, { subgraphs: true });
      expect([after.next, after.tasks]).toEqual([[], []]);
      expect((await client.threads.get(threadId)).status).toBe("idle");
    });

    it("nested: a paused task names its path and its subgraph's namespace, which reads, updates and lists the subgraph's own state", async () => {
      const threadId = await newThread("nested");
      await client.runs.wait(threadId, "nested", { input: { topic: "tea" } });
      const [task] = (await client.threads.getState(threadId)).tasks;
      expect(task).toEqual({
        id: expect.any(String), name: "research", path: ["__pregel_pull", "research"], error: null, result: null, state: null,
        interrupts: [expect.objectContaining({ value: expect.objectContaining({ question: "Are these notes right?" }) })],
        checkpoint: { thread_id: threadId, checkpoint_ns: expect.stringMatching(/^research:[0-9a-f-]{36}$/) },
      });
      // With subgraphs the task carries the subgraph's state instead, shaped as a state but for the root's interrupts list.
      const withState = (await client.threads.getState(threadId, undefined, { subgraphs: true })).tasks[0]!;
      expect(withState.checkpoint).toBeNull();
      expect(Object.keys(withState.state!).sort()).toEqual(["checkpoint", "created_at", "metadata", "next", "parent_checkpoint", "tasks", "values"]);

      const inner = await client.threads.getState(threadId, task!.checkpoint!);
      expect(inner.values).toEqual({ topic: "tea", notes: ["tea is old", "tea is popular"] });
      expect(inner.next).toEqual(["review"]);
      expect(inner.tasks).toEqual([expect.objectContaining({ name: "review", path: ["__pregel_pull", "review"], checkpoint: null })]);

      // The subgraph's notes are edited where they live; the resumed review sees them.
      await client.threads.updateState(threadId, { values: { notes: ["tea is cold"] }, checkpoint: task!.checkpoint! });
      expect((await client.threads.getState<{ notes: string[] }>(threadId, task!.checkpoint!)).values.notes).toEqual(["tea is old", "tea is popular", "tea is cold"]);
      const innerHistory = await client.threads.getHistory(threadId, { checkpoint: task!.checkpoint!, limit: 100 });
      expect(innerHistory[0]!.values).toMatchObject({ notes: ["tea is old", "tea is popular", "tea is cold"] });
      expect(innerHistory.every((state) => state.checkpoint.checkpoint_ns === task!.checkpoint!.checkpoint_ns)).toBe(true);
      const done = await client.runs.wait(threadId, "nested", { command: { resume: "fine" } });
      expect(done).toMatchObject({ report: "tea: tea is old; tea is popular; tea is cold (fine)", published: true });

      // A namespace the thread never had is a checkpoint that is not there; one that is no namespace, a bad request.
      const missing = { thread_id: threadId, checkpoint_ns: "research:00000000-0000-4000-8000-000000000000" } as unknown as Checkpoint;
      expect(await sdkStatus(client.threads.getState(threadId, missing))).toBe(404);
      expect(await sdkStatus(client.threads.updateState(threadId, { values: { notes: ["x"] }, checkpoint: missing }))).toBe(404);
      expect(await sdkStatus(client.threads.getHistory(threadId, { checkpoint: { checkpoint_ns: "research" } }))).toBe(400);
    });

    it("GET /assistants/:id/subgraphs: each subgraph by namespace, nested ones with recurse, one namespace's alone", async () => {
      const research = await client.assistants.getSubgraphs("nested");
      expect(Object.keys(research)).toEqual(["research"]);
      // As the JS server answers, whatever the SDK's type says: `state`, `input`, `output`, `config`.
      const { state } = research.research as unknown as { state: { properties: Record<string, unknown> } };
      expect(Object.keys(state.properties).sort()).toEqual(["notes", "report", "topic", "verdict"]);
      expect(Object.keys(await client.assistants.getSubgraphs("nested", { recurse: true }))).toEqual(["research"]);
      expect(Object.keys(await client.assistants.getSubgraphs("nested", { namespace: "research" }))).toEqual(["research"]);
      expect(await client.assistants.getSubgraphs("nested", { namespace: "elsewhere" })).toEqual({});
      expect(await client.assistants.getSubgraphs("counter", { recurse: true })).toEqual({});
      expect(await sdkStatus(client.assistants.getSubgraphs("no-such-graph"))).toBe(404);
    });

    it("factory: the graph is built per run from config.configurable (node_name), default when absent", async () => {
      const threadId = await newThread("factory");
      const chunks = await collect(client.runs.stream(threadId, "factory", { input: { visited: ["start"] }, config: { configurable: { node_name: "picked" } }, streamMode: "updates" }));
      expect(ofEvent(chunks, "updates")).toEqual([{ picked: { visited: ["picked"] } }]);
      const values = await client.runs.wait(threadId, "factory", { input: { visited: [] } });
      expect(values).toEqual({ visited: ["start", "picked", "default"] });
    });

    it("async factory: reads the run's context", async () => {
      const greeted = await client.runs.wait(await newThread("factory_async"), "factory_async", { input: { name: "Ada" }, context: { greeting: "Bonjour" } });
      expect(greeted).toEqual({ name: "Ada", greeting: "Bonjour, Ada!" });
      const plain = await client.runs.wait(await newThread("factory_async"), "factory_async", { input: { name: "Bo" } });
      expect(plain).toEqual({ name: "Bo", greeting: "Hello, Bo!" });
    });

    it("builder (an uncompiled StateGraph): compiled by the service, its replies kept across turns", async () => {
      const threadId = await newThread("builder");
      await client.runs.wait(threadId, "builder", { input: user("hi") });
      const chunks = await collect(client.runs.stream(threadId, "builder", { input: user("again"), streamMode: "values" }));
      const last = ofEvent(chunks, "values").at(-1) as Messages;
      expect(last.messages.map((m) => [m.type, m.content])).toEqual([["human", "hi"], ["ai", BUILDER_REPLY], ["human", "again"], ["ai", BUILDER_REPLY]]);
      expect(new Set(last.messages.map((m) => m.id)).size).toBe(4);
    });

    it("promised (a Promise of a compiled graph): runs once resolved", async () => {
      expect(await client.runs.wait(await newThread("promised"), "promised", { input: { text: "quiet" } })).toEqual({ text: "quiet", shouted: "QUIET" });
    });

    it.each([
      ["agent", "model_request"],
      ["react", "agent"],
    ])("%s: calls its tool through the service's model, streams the answer's tokens", async (graphId, modelNode) => {
      const threadId = await newThread(graphId);
      t.mock.script(WEATHER_CALL);
      const before = t.mock.requests.length;
      const chunks = await collect(client.runs.stream(threadId, graphId, { input: user("weather in Paris?"), streamMode: ["updates", "messages-tuple"] }));
      expect(ofEvent(chunks, "updates").map((u) => Object.keys(u))).toEqual([[modelNode], ["tools"], [modelNode]]);
      const tokens = ofEvent(chunks, "messages").filter(([, meta]) => meta.langgraph_node === modelNode);
      expect(tokens.map(([chunk]) => chunk.content).join("")).toBe("Sunny in Paris");
      const requests = t.mock.requests.slice(before);
      expect(requests.map((r) => r.body.model)).toEqual(["mock-model", "mock-model"]);
      expect(requests[0]!.tools.map((tool) => tool.function.name)).toEqual(["get_weather"]);
      expect(requests[1]!.messages.at(-1)).toMatchObject({ role: "tool", content: "It is sunny in Paris.", tool_call_id: "call_w" });
      const state = await client.threads.getState<Messages>(threadId);
      expect(state.values.messages.map((m) => [m.type, m.content])).toEqual([
        ["human", "weather in Paris?"], ["ai", ""], ["tool", "It is sunny in Paris."], ["ai", "Sunny in Paris"],
      ]);
    });

    it("agent_factory (createAgent built per run): answers with the service's model", async () => {
      t.mock.script({ text: "Built for this run" });
      const values = (await client.runs.wait(await newThread("agent_factory"), "agent_factory", { input: user("hello") })) as Messages;
      expect(values.messages.map((m) => [m.type, m.content])).toEqual([["human", "hello"], ["ai", "Built for this run"]]);
    });

    it("approval: interrupt() pauses the run; a resume command is what the node answers with", async () => {
      const threadId = await newThread("approval");
      const paused = (await client.runs.wait(threadId, "approval", { input: user("may I?") })) as Messages & { __interrupt__: unknown[] };
      expect(paused.__interrupt__).toEqual([expect.objectContaining({ id: expect.any(String), value: { question: "May I answer?", about: "may I?" } })]);
      expect((await client.threads.getState(threadId)).next).toEqual(["ask"]);
      const done = (await client.runs.wait(threadId, "approval", { command: { resume: "yes, go ahead" } })) as Messages;
      expect(done.messages.map((m) => [m.type, m.content])).toEqual([["human", "may I?"], ["ai", 'Resumed with "yes, go ahead"']]);
      expect((await client.threads.get(threadId)).status).toBe("idle");
    });
  });

  describe("a graph's exception", () => {
    const boo = { error: "LedgerClosedError", message: "The ledger is closed: cannot post rent." };

    it("is passed on by class and message: the stream's error event, a joined stream's, runs.wait and runs.join", async () => {
      const streamed = await collect(client.runs.stream(await newThread("failing"), "failing", { input: { entry: "rent" }, streamMode: ["values", "debug"] }));
      expect(streamed.at(-1)).toMatchObject({ event: "error" });
      expect(streamed.at(-1)!.data).toEqual(boo);

      const threadId = await newThread("failing");
      const run = await client.runs.create(threadId, "failing", { input: { entry: "rent" } });
      const joined = (await collect(client.runs.joinStream(threadId, run.run_id))).at(-1)!;
      expect([joined.event, joined.data]).toEqual(["error", boo]);
      expect(await client.runs.join(threadId, run.run_id)).toEqual({ __error__: boo });
      expect((await client.runs.get(threadId, run.run_id)).status).toBe("error");
      expect((await client.threads.get(threadId)).status).toBe("error");
      await expect(client.runs.wait(await newThread("failing"), "failing", { input: { entry: "rent" } })).rejects.toThrow(/LedgerClosedError/);
    });

    it("a failure of the service's own handling stays masked, and so does the graph's exception on /api/chat", async () => {
      const streamed = await collect(client.runs.stream(await newThread("failing"), "failing", { input: { entry: "bigint" }, streamMode: ["custom"] }));
      expect([streamed.at(-1)!.event, streamed.at(-1)!.data]).toEqual(["error", { error: "internal", message: "The run failed." }]);
      expect(JSON.stringify(streamed)).not.toMatch(/BigInt/i);

      const res = await chat(t.url, { input: { entry: "rent" }, assistant_id: "failing" });
      expect(res.events.at(-1)!.data).toEqual({ type: "error", code: "internal", message: "The run failed." });
    });
  });

  describe("POST /api/chat", () => {
    const roles = (events: { event: string; data: any }[]) => events.filter((e) => e.event === "message").map((e) => [e.data.role, e.data.content]);

    it("without assistant_id answers with the first graph listed (builder), and keeps the thread on it", async () => {
      const first = await chat(t.url, { message: "hi" });
      expect(first.status).toBe(200);
      expect(roles(first.events)).toEqual([["user", "hi"], ["assistant", BUILDER_REPLY]]);
      expect(first.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
      const threadId = first.headers.get("x-thread-id")!;
      const second = await chat(t.url, { message: "again", thread_id: threadId });
      expect(roles(second.events)).toEqual([["user", "again"], ["assistant", BUILDER_REPLY]]);
      const values = (await client.threads.getState<Messages>(first.events[0]!.data.thread_id)).values;
      expect(values.messages.map((m) => m.content)).toEqual(["hi", BUILDER_REPLY, "again", BUILDER_REPLY]);
    });

    it("builder by assistant_id", async () => {
      const res = await chat(t.url, { message: "hello", assistant_id: "builder" });
      expect(roles(res.events)).toEqual([["user", "hello"], ["assistant", BUILDER_REPLY]]);
      expect(res.events.at(-1)!.data.status).toBe("success");
    });

    it.each([
      ["agent", "model_request"],
      ["react", "agent"],
    ])("%s: tool_start, tool_end, tokens and every message of the turn", async (assistantId, modelNode) => {
      t.mock.script(WEATHER_CALL);
      const res = await chat(t.url, { message: "weather in Paris?", assistant_id: assistantId });
      expect(res.events.find((e) => e.event === "tool_start")!.data).toEqual({ type: "tool_start", id: "call_w", name: "get_weather", input: { city: "Paris" } });
      expect(res.events.find((e) => e.event === "tool_end")!.data).toMatchObject({ type: "tool_end", id: "call_w", name: "get_weather", output: "It is sunny in Paris." });
      const tokens = res.events.filter((e) => e.event === "token").map((e) => e.data);
      expect(tokens.map((tk) => tk.content).join("")).toBe("Sunny in Paris");
      expect(new Set(tokens.map((tk) => tk.node))).toEqual(new Set([modelNode]));
      expect(roles(res.events)).toEqual([["user", "weather in Paris?"], ["assistant", ""], ["tool", "It is sunny in Paris."], ["assistant", "Sunny in Paris"]]);
      expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    });

    it("approval: an interrupt event ends the turn interrupted; resume answers with the decision", async () => {
      const paused = await chat(t.url, { message: "may I?", assistant_id: "approval" });
      const threadId = paused.headers.get("x-thread-id")!;
      expect(paused.events.find((e) => e.event === "interrupt")!.data).toEqual({ type: "interrupt", id: expect.any(String), value: { question: "May I answer?", about: "may I?" } });
      expect(paused.events.at(-1)!.data).toMatchObject({ type: "end", status: "interrupted" });
      expect((await chat(t.url, { message: "hello?", thread_id: threadId })).status).toBe(409);
      // Its own interrupt() is not one of tool calls to decide: any JSON answers it, as it came.
      const resumed = await chat(t.url, { thread_id: threadId, resume: "yes, go on" });
      expect(roles(resumed.events)).toEqual([["assistant", 'Resumed with "yes, go on"']]);
      expect(resumed.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    });

    // LangChain's JS middleware pauses in camelCase; an answer in the standard snake_case (what
    // agent-chat-ui sends) is checked against it and handed over in the casing it reads.
    it("LangChain's humanInTheLoopMiddleware: its pause is checked, and a snake_case edit reaches it as editedAction", async () => {
      t.mock.script(WEATHER_CALL);
      const { thread_id: threadId } = await client.threads.create({ graphId: "reviewed" });
      const paused = await client.runs.wait(threadId, "reviewed", { input: user("weather in Paris?") }) as { __interrupt__: { value: unknown }[] };
      expect(paused.__interrupt__.map((i) => i.value)).toEqual([{
        actionRequests: [{ name: "get_weather", args: { city: "Paris" }, description: expect.stringContaining("get_weather") }],
        reviewConfigs: [{ actionName: "get_weather", allowedDecisions: ["approve", "edit"] }],
      }]);
      const refused = await fetch(`${t.url}/threads/${threadId}/runs/wait`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ assistant_id: "reviewed", command: { resume: { decisions: [{ type: "reject", message: "no" }] } } }),
      });
      expect(refused.status).toBe(400);
      expect((await refused.json()).invalid_params).toEqual([{ name: "command.resume.decisions.0.type", reason: "reject is not allowed for get_weather: one of approve, edit" }]);

      const before = t.mock.requests.length;
      const done = await client.runs.wait(threadId, "reviewed", { command: { resume: { decisions: [{ type: "edit", edited_action: { name: "get_weather", args: { city: "Rome" } } }] } } }) as Messages;
      expect(done.messages.map((m) => [m.type, m.content])).toEqual([["human", "weather in Paris?"], ["ai", ""], ["tool", "It is sunny in Rome."], ["ai", "Sunny in Paris"]]);
      expect(t.mock.requests.length - before).toBe(1);
      const [run] = await client.runs.list(threadId);
      expect((run as unknown as { kwargs: { command: unknown } }).kwargs.command).toEqual({ resume: { decisions: [{ type: "edit", editedAction: { name: "get_weather", args: { city: "Rome" } } }] } });
    });
  });
});

// A restart: the same database, a new process's service loading the same manifest.
describe("served graphs after a restart", () => {
  it("counter: a thread continues where it was, its whole history kept", async () => {
    const env = { LANGGRAPH_JSON: await writeManifest() };
    const first = await startTestService({ env });
    const threadId = (await clientOf(first).threads.create({ graphId: "counter" })).thread_id;
    await clientOf(first).runs.wait(threadId, "counter", { input: { items: ["a"], count: 1 } });
    await first.close();

    const second = await startTestService({ db: first.db, env });
    try {
      const client = clientOf(second);
      const values = await client.runs.wait(threadId, "counter", { input: { items: ["b"], count: 0 } });
      expect(values).toEqual({ items: ["a", "tick", "tock", "b", "tick", "tock"], count: 23 });
      const history = await client.threads.getHistory<{ count: number }>(threadId, { limit: 100 });
      // Newest first: each run's input checkpoint, then one per step (start, tick, tock).
      expect(history.map((s) => [s.metadata?.source, s.values.count])).toEqual([
        ["loop", 23], ["loop", 13], ["loop", 12], ["input", 12], ["loop", 12], ["loop", 2], ["loop", 1], ["input", 0],
      ]);
      expect((await client.runs.list(threadId)).map((r) => r.status)).toEqual(["success", "success"]);
    } finally {
      await second.close();
    }
  });

  it("nested: a subgraph paused before the restart resumes after it", async () => {
    const env = { LANGGRAPH_JSON: await writeManifest() };
    const first = await startTestService({ env });
    const threadId = (await clientOf(first).threads.create({ graphId: "nested" })).thread_id;
    await clientOf(first).runs.wait(threadId, "nested", { input: { topic: "tea" } });
    await first.close();

    const second = await startTestService({ db: first.db, env });
    try {
      const client = clientOf(second);
      const state = await client.threads.getState(threadId, undefined, { subgraphs: true });
      expect(state.tasks[0]!.state).toMatchObject({ values: { notes: ["tea is old", "tea is popular"] }, next: ["review"] });
      const done = await client.runs.wait(threadId, "nested", { command: { resume: "still right" } });
      expect(done).toEqual({ topic: "tea", report: "tea: tea is old; tea is popular (still right)", published: true });
    } finally {
      await second.close();
    }
  });
});
