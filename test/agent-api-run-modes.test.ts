import { randomUUID } from "node:crypto";
import { Client, type Run, type RunsInvokePayload } from "@langchain/langgraph-sdk";
import { describe, expect, it } from "vitest";
import type { MockReply, MockRequest } from "./helpers/mock-openai.js";
import { ALICE, sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";
import { sentEmails } from "./helpers/outbox.js";

type Message = { type: string; content: string; id: string };
type Values = { messages: Message[] };
type Chunk = { event: string; data: any };

const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };
const ROLES: Record<string, string> = { human: "user", ai: "assistant", tool: "tool", system: "system" };
const user = (content: string) => ({ messages: [{ role: "user", content }] });
const names = (chunks: Chunk[]) => chunks.map((c) => c.event);
const ofEvent = (chunks: Chunk[], event: string) => chunks.filter((c) => c.event === event).map((c) => c.data);
const contents = (values: Values) => values.messages.map((m) => m.content);
// The Agent Server's Run has `kwargs` (its OpenAPI requires it); the SDK's type leaves it out.
const kwargsOf = (run: Run) => (run as Run & { kwargs: Record<string, unknown> }).kwargs;
// The SDK types onCompletion as "complete" | "continue"; it sends it as on_completion, which the
// Agent Server's OpenAPI defines as "delete" | "keep".
const KEEP = "keep" as unknown as RunsInvokePayload["onCompletion"];

async function collect(stream: AsyncIterable<Chunk>): Promise<Chunk[]> {
  const chunks: Chunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

// The model e-mails when the user says "email", quotes a tool's result back, and otherwise answers.
function emailingModel(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  return /email/.test(String(last?.content)) ? { toolCalls: [{ name: "send_email", args: EMAIL }] } : { text: "hello back" };
}

// Agent Server runs with each option the SDK sends, driven by the official client only (the
// mirror, our own route, is read with fetch to compare it with the checkpoint state).
describe("Agent Server runs: stream modes and run options", () => {
  const s = sdkSuite();
  const { mirror } = s;

  /** The conversation mirror shows exactly the thread's checkpoint state: its messages and its head. */
  async function expectMirrorMatchesState(threadId: string): Promise<Values> {
    const state = await s.alice.threads.getState<Values>(threadId);
    const m = await mirror(threadId);
    expect(m.messages.map((x) => [x.id, x.role, x.content])).toEqual(state.values.messages.map((x) => [x.id, ROLES[x.type], x.content]));
    expect(m.head_checkpoint_id).toBe(state.checkpoint.checkpoint_id);
    return state.values;
  }

  /** The checkpoint ids from `checkpointId` back to the thread's first, following parent links. */
  async function ancestors(threadId: string, checkpointId: string): Promise<string[]> {
    const ids: string[] = [];
    for (let id: string | null | undefined = checkpointId; id; id = (await s.alice.threads.getState(threadId, id)).parent_checkpoint?.checkpoint_id) ids.push(id);
    return ids;
  }

  async function threadWithOneTurn(answer = "First answer"): Promise<string> {
    const thread = await s.alice.threads.create();
    s.t.mock.script({ text: answer });
    await s.alice.runs.wait(thread.thread_id, "chat", { input: user("hello") });
    return thread.thread_id;
  }

  describe("stream modes", () => {
    it("updates: one event per node step, keyed by the node", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "6*7" } }] }, { text: "It is 42" }]);
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("what is 6*7?"), streamMode: "updates" }));
      expect(names(chunks)).toEqual(["metadata", "updates", "updates", "updates"]);
      const updates = ofEvent(chunks, "updates");
      expect(updates.map((u) => Object.keys(u))).toEqual([["agent"], ["tools"], ["agent"]]);
      expect(updates[0].agent.messages).toEqual([expect.objectContaining({ type: "ai", content: "", tool_calls: [expect.objectContaining({ name: "calculator", args: { expression: "6*7" } })] })]);
      expect(updates[1].tools.messages).toEqual([expect.objectContaining({ type: "tool", content: "42", name: "calculator", tool_call_id: updates[0].agent.messages[0].tool_calls[0].id })]);
      expect(updates[2].agent.messages).toEqual([expect.objectContaining({ type: "ai", content: "It is 42", id: expect.any(String) })]);
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("messages (legacy): metadata for each streamed message, partials that accumulate, then complete", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "Partial answers grow word by word" });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi"), streamMode: "messages" }));
      expect(new Set(names(chunks))).toEqual(new Set(["metadata", "messages/metadata", "messages/partial", "messages/complete"]));
      // Only the legacy events: none of the messages-tuple mode.
      expect(names(chunks)).not.toContain("messages");

      const [meta, ...moreMeta] = ofEvent(chunks, "messages/metadata");
      expect(moreMeta).toEqual([]);
      const [aiId] = Object.keys(meta);
      expect(meta[aiId!].metadata).toMatchObject({ langgraph_node: "agent", thread_id: thread.thread_id, run_id: chunks[0]!.data.run_id });
      expect(names(chunks).indexOf("messages/metadata")).toBeLessThan(names(chunks).indexOf("messages/partial"));

      // Each partial is the whole message so far: every one extends the one before it.
      const partials = ofEvent(chunks, "messages/partial").map(([m]) => m as Message);
      expect(partials.length).toBeGreaterThan(2);
      for (const p of partials) expect(p).toMatchObject({ id: aiId, type: expect.stringMatching(/^(ai|AIMessageChunk)$/) });
      for (let i = 1; i < partials.length; i++) expect(partials[i]!.content.startsWith(partials[i - 1]!.content)).toBe(true);
      expect(partials.at(-1)!.content).toBe("Partial answers grow word by word");

      const completed = ofEvent(chunks, "messages/complete").flat() as Message[];
      expect(completed.map((m) => [m.type, m.content])).toEqual([["human", "hi"], ["ai", "Partial answers grow word by word"]]);
      expect(completed[1]!.id).toBe(aiId);
      expect(names(chunks).at(-1)).toBe("messages/complete");
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("custom: the draft graph's document writes", async () => {
      const thread = await s.alice.threads.create({ graphId: "draft" });
      s.t.mock.script({ text: "# Lunch plan\n\nNoon at the usual place." });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "draft", { input: user("draft a lunch plan"), streamMode: "custom" }));
      expect(names(chunks)).toEqual(["metadata", "custom"]);
      expect(chunks[1]!.data).toEqual({ type: "doc", title: "Lunch plan", content: "# Lunch plan\n\nNoon at the usual place.", version: 1 });

      s.t.mock.script({ text: "# Lunch plan\n\nOne o'clock instead." });
      const revised = await collect(s.alice.runs.stream(thread.thread_id, "draft", { input: user("make it one"), streamMode: ["custom"] }));
      expect(ofEvent(revised, "custom")).toEqual([{ type: "doc", title: "Lunch plan", content: "# Lunch plan\n\nOne o'clock instead.", version: 2 }]);
      const state = await s.alice.threads.getState<{ document: { version: number } }>(thread.thread_id);
      expect(state.values.document.version).toBe(2);
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("events: streamEvents v2 objects, with the model's tokens in on_chat_model_stream", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "Events carry every token" });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi"), streamMode: "events" }));
      expect(names(chunks)[0]).toBe("metadata");
      expect(new Set(names(chunks).slice(1))).toEqual(new Set(["events"]));
      const events = ofEvent(chunks, "events");
      for (const e of events) expect(e).toMatchObject({ event: expect.stringMatching(/^on_/), name: expect.any(String), run_id: expect.any(String), data: expect.any(Object), metadata: expect.any(Object) });
      const kinds = new Set(events.map((e) => e.event));
      for (const kind of ["on_chain_start", "on_chain_end", "on_chat_model_start", "on_chat_model_stream", "on_chat_model_end"]) expect(kinds).toContain(kind);
      const tokens = events.filter((e) => e.event === "on_chat_model_stream");
      expect(tokens.map((e) => e.data.chunk.content).join("")).toBe("Events carry every token");
      expect(tokens[0].metadata).toMatchObject({ langgraph_node: "agent", thread_id: thread.thread_id });
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("debug: checkpoint and task payloads, each checkpoint with its checkpoint object", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "Debugging" });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi"), streamMode: "debug" }));
      expect(names(chunks)[0]).toBe("metadata");
      expect(new Set(names(chunks).slice(1))).toEqual(new Set(["debug"]));
      const debug = ofEvent(chunks, "debug");
      expect(new Set(debug.map((d) => d.type))).toEqual(new Set(["checkpoint", "task", "task_result"]));
      for (const d of debug) expect(d).toMatchObject({ type: expect.any(String), step: expect.any(Number), timestamp: expect.any(String), payload: expect.any(Object) });

      const checkpoints = debug.filter((d) => d.type === "checkpoint").map((d) => d.payload);
      for (const c of checkpoints) {
        expect(c).toMatchObject({
          checkpoint: { thread_id: thread.thread_id, checkpoint_ns: "", checkpoint_id: expect.any(String), checkpoint_map: null },
          values: expect.any(Object),
          next: expect.any(Array),
          tasks: expect.any(Array),
          metadata: expect.any(Object),
        });
      }
      const head = await s.alice.threads.getState<Values>(thread.thread_id);
      expect(checkpoints.at(-1)!.checkpoint.checkpoint_id).toBe(head.checkpoint.checkpoint_id);
      expect(checkpoints.at(-1)!.values).toEqual(head.values);
      expect(debug.find((d) => d.type === "task")!.payload).toMatchObject({ id: expect.any(String), name: "agent", triggers: expect.any(Array) });
      expect(debug.find((d) => d.type === "task_result")!.payload).toMatchObject({ name: "agent", result: { messages: [expect.objectContaining({ type: "ai", content: "Debugging" })] } });
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("values is the default: the state after each step, the last equal to the thread's state", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "Values by default" });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi") }));
      expect(names(chunks)).toEqual(["metadata", "values", "values"]);
      expect(ofEvent(chunks, "values").map(contents)).toEqual([["hi"], ["hi", "Values by default"]]);
      expect(chunks.at(-1)!.data).toEqual((await s.alice.threads.getState(thread.thread_id)).values);
      const [run] = await s.alice.runs.list(thread.thread_id);
      expect(kwargsOf(run!)).toMatchObject({ stream_mode: ["values"] });
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("accepts streamSubgraphs: true: root events unprefixed, model tokens named by their node's namespace", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "No subgraphs here" });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi"), streamMode: ["values", "updates", "messages-tuple"], streamSubgraphs: true }));
      // LangGraph.js puts a root node's tokens in that node's namespace; the JS Agent Server names the event after it.
      const tokenEvents = names(chunks).filter((n) => n.startsWith("messages"));
      expect(tokenEvents.length).toBeGreaterThan(0);
      for (const name of tokenEvents) expect(name).toMatch(/^messages\|agent:[0-9a-f-]{36}$/);
      expect(chunks.filter((c) => c.event.startsWith("messages")).map((c) => c.data[0].content).join("")).toBe("No subgraphs here");
      expect(names(chunks).filter((n) => !n.startsWith("messages"))).toEqual(["metadata", "values", "updates", "values"]);
      expect(chunks.at(-1)!.data.messages.at(-1).content).toBe("No subgraphs here");
      const [run] = await s.alice.runs.list(thread.thread_id);
      expect(run!.status).toBe("success");
      expect(kwargsOf(run!)).toMatchObject({ stream_subgraphs: true });
      await expectMirrorMatchesState(thread.thread_id);
    });
  });

  describe("human in the loop", () => {
    /** A thread whose run paused before send_email, with that run's chunks. */
    async function pausedThread() {
      s.t.mock.script(emailingModel);
      const thread = await s.alice.threads.create();
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("please email bob about lunch"), streamMode: ["values", "updates"] }));
      return { threadId: thread.thread_id, runId: chunks[0]!.data.run_id as string, chunks };
    }
    const outbox = async (threadId: string) => (await sentEmails(s.t.db.pool, threadId)).map(({ to, subject, body }) => ({ to, subject, body }));

    it("pauses at send_email: __interrupt__ in the stream, the run and thread interrupted, the interrupt in the state's tasks", async () => {
      const { threadId, runId, chunks } = await pausedThread();
      const values = ofEvent(chunks, "values");
      const callId = values.at(-2)!.messages.at(-1).tool_calls[0].id as string;
      // LangChain's standard human-in-the-loop request, which agent-chat-ui draws as Approve / Edit / Reject.
      const value = {
        action_requests: [{ name: "send_email", args: EMAIL, tool_call_id: callId, description: expect.any(String) }],
        review_configs: [{ action_name: "send_email", allowed_decisions: ["approve", "edit", "reject"], args_schema: expect.objectContaining({ type: "object" }) }],
      };
      const question = { id: expect.any(String), value };
      expect(values.at(-1)).toEqual({ __interrupt__: [expect.objectContaining(question)] });
      expect(ofEvent(chunks, "updates").at(-1)).toEqual({ __interrupt__: [expect.objectContaining(question)] });

      expect((await s.alice.runs.get(threadId, runId)).status).toBe("interrupted");
      const thread = await s.alice.threads.get(threadId);
      expect(thread.status).toBe("interrupted");
      expect(Object.values(thread.interrupts).flat()).toEqual([expect.objectContaining(question)]);
      const state = await s.alice.threads.getState<Values>(threadId);
      expect(state.next).toEqual(["tools"]);
      expect(state.tasks).toEqual([expect.objectContaining({ name: "tools", interrupts: [expect.objectContaining(question)] })]);
      expect(await outbox(threadId)).toEqual([]);
      await expectMirrorMatchesState(threadId);
    });

    it("runs.wait on a run that pauses answers the state with its pending interrupt, as the Python server does", async () => {
      s.t.mock.script(emailingModel);
      const thread = await s.alice.threads.create();
      const waited = (await s.alice.runs.wait(thread.thread_id, "chat", { input: user("please email bob about lunch") })) as Values & { __interrupt__: unknown[] };
      expect(waited.messages.map((m) => m.type)).toEqual(["human", "ai"]);
      expect(waited.__interrupt__).toEqual([expect.objectContaining({ id: expect.any(String), value: expect.objectContaining({ action_requests: [expect.objectContaining({ name: "send_email" })] }) })]);
      // The same answer from another connection once it is over (join reads it back from the checkpoint).
      const [run] = await s.alice.runs.list(thread.thread_id);
      expect(await s.alice.runs.join(thread.thread_id, run!.run_id)).toEqual(waited);
    });

    it("a resume command approving the call runs the tool and the run completes", async () => {
      const { threadId } = await pausedThread();
      const chunks = await collect(s.alice.runs.stream(threadId, "chat", { command: { resume: { decisions: [{ type: "approve" }] } }, streamMode: "updates" }));
      const updates = ofEvent(chunks, "updates");
      expect(updates.map((u) => Object.keys(u))).toEqual([["tools"], ["agent"]]);
      const result = updates[0].tools.messages[0] as Message;
      expect(result).toMatchObject({ type: "tool", name: "send_email", content: expect.stringMatching(/^E-mail to bob@example\.com with the subject "Lunch" was sent/) });
      expect(updates[1].agent.messages[0].content).toBe(`noted: ${result.content}`);

      const runs = await s.alice.runs.list(threadId);
      expect(runs.map((r) => r.status)).toEqual(["success", "interrupted"]);
      const thread = await s.alice.threads.get(threadId);
      expect(thread).toMatchObject({ status: "idle", interrupts: {} });
      expect((await s.alice.threads.getState(threadId)).next).toEqual([]);
      expect(await outbox(threadId)).toEqual([EMAIL]);
      const values = await expectMirrorMatchesState(threadId);
      expect(values.messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    });

    it("a resume command rejecting the call tells the model why, and nothing is sent", async () => {
      const { threadId } = await pausedThread();
      const resume = { decisions: [{ type: "reject", message: "Bob is away." }] };
      const values = ofEvent(await collect(s.alice.runs.stream(threadId, "chat", { command: { resume } })), "values").at(-1) as Values;
      const refusal = "The user rejected this call to send_email, so it did not run. Their reason: Bob is away.";
      expect(values.messages.slice(-2).map((m) => [m.type, m.content])).toEqual([["tool", refusal], ["ai", `noted: ${refusal}`]]);
      expect((await s.alice.threads.get(threadId)).status).toBe("idle");
      expect(await outbox(threadId)).toEqual([]);
      await expectMirrorMatchesState(threadId);
    });
  });

  describe("breakpoints", () => {
    it("interruptBefore: [\"tools\"] stops before the tool runs; a run with input null continues", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "2+2" } }] }, { text: "It is 4" }]);
      const requestsBefore = s.t.mock.requests.length;
      const paused = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("2+2?"), interruptBefore: ["tools"], streamMode: "updates" }));
      const updates = ofEvent(paused, "updates").map((u) => Object.keys(u)[0]);
      expect(updates[0]).toBe("agent");
      expect(updates).not.toContain("tools");
      const state = await s.alice.threads.getState<Values>(thread.thread_id);
      expect(state.next).toEqual(["tools"]);
      expect(state.values.messages.map((m) => m.type)).toEqual(["human", "ai"]);
      expect(s.t.mock.requests).toHaveLength(requestsBefore + 1);
      // The Agent Server marks a thread with pending tasks as interrupted (breakpoints included).
      expect.soft((await s.alice.threads.get(thread.thread_id)).status).toBe("interrupted");
      await expectMirrorMatchesState(thread.thread_id);

      const resumed = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: null, streamMode: "updates" }));
      expect(ofEvent(resumed, "updates").map((u) => Object.keys(u))).toEqual([["tools"], ["agent"]]);
      const after = await s.alice.threads.getState<Values>(thread.thread_id);
      expect(after.next).toEqual([]);
      expect(after.values.messages.map((m) => [m.type, m.content])).toEqual([["human", "2+2?"], ["ai", ""], ["tool", "4"], ["ai", "It is 4"]]);
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("idle");
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("a thread stopped at a breakpoint stays interrupted while its state is edited, until the edit leaves nothing to run", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script([{ toolCalls: [{ id: "call_calc", name: "calculator", args: { expression: "5+5" } }] }, { text: "It is 11" }]);
      await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("5+5?"), interruptBefore: ["tools"] }));
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("interrupted");
      // The model's call is edited in place (same id); the tool is still next.
      const call = (await s.alice.threads.getState<Values>(thread.thread_id)).values.messages[1]!;
      await s.alice.threads.updateState(thread.thread_id, { values: { messages: [{ ...call, tool_calls: [{ id: "call_calc", name: "calculator", args: { expression: "5+6" } }] }] } });
      expect((await s.alice.threads.getState(thread.thread_id)).next).toEqual(["tools"]);
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("interrupted");
      await expectMirrorMatchesState(thread.thread_id);

      const resumed = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: null }));
      expect((ofEvent(resumed, "values").at(-1) as Values).messages.map((m) => m.content)).toEqual(["5+5?", "", "11", "It is 11"]);
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("idle");

      // Paused again, an edit as the tool's answer leaves nothing for the tool to do: the thread no longer waits.
      s.t.mock.script([{ toolCalls: [{ id: "call_calc2", name: "calculator", args: { expression: "1+1" } }] }]);
      await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("1+1?"), interruptBefore: ["tools"] }));
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("interrupted");
      await s.alice.threads.updateState(thread.thread_id, { values: { messages: [{ type: "ai", content: "Two." }] }, asNode: "agent" });
      expect((await s.alice.threads.getState(thread.thread_id)).next).toEqual([]);
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("idle");
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("interruptAfter: [\"agent\"] stops after the model's step; a run with input null continues", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script([{ toolCalls: [{ name: "calculator", args: { expression: "3*3" } }] }, { text: "It is 9" }]);
      const paused = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("3*3?"), interruptAfter: ["agent"] }));
      expect(ofEvent(paused, "values").at(-2)!.messages.map((m: Message) => m.type)).toEqual(["human", "ai"]);
      const state = await s.alice.threads.getState<Values>(thread.thread_id);
      expect(state.next).toEqual(["tools"]);
      expect(state.values.messages.map((m) => m.type)).toEqual(["human", "ai"]);
      expect.soft((await s.alice.threads.get(thread.thread_id)).status).toBe("interrupted");
      await expectMirrorMatchesState(thread.thread_id);

      const resumed = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: null }));
      expect((ofEvent(resumed, "values").at(-1) as Values).messages.map((m) => m.content)).toEqual(["3*3?", "", "9", "It is 9"]);
      expect((await s.alice.threads.getState(thread.thread_id)).next).toEqual([]);
      await expectMirrorMatchesState(thread.thread_id);
    });
  });

  describe("state edits, history and branches", () => {
    it("a run after threads.updateState continues from the updated state", async () => {
      const threadId = await threadWithOneTurn("First answer");
      const before = await s.alice.threads.getState<Values>(threadId);
      const answer = before.values.messages[1]!;
      // Same id: the messages reducer replaces the model's answer.
      await s.alice.threads.updateState(threadId, { values: { messages: [{ type: "ai", content: "Edited answer", id: answer.id }] }, asNode: "agent" });
      await expectMirrorMatchesState(threadId);

      s.t.mock.script({ text: "Second answer" });
      const values = (await s.alice.runs.wait(threadId, "chat", { input: user("again") })) as Values;
      expect(values.messages.map((m) => [m.type, m.content])).toEqual([["human", "hello"], ["ai", "Edited answer"], ["human", "again"], ["ai", "Second answer"]]);
      // The model was sent the edited state.
      expect(s.t.mock.requests.at(-1)!.messages.slice(1).map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
        ["user", "hello"], ["assistant", "Edited answer"], ["user", "again"],
      ]);
      await expectMirrorMatchesState(threadId);
    });

    it("a run from an older checkpoint (checkpoint, then checkpointId) branches from there", async () => {
      const threadId = await threadWithOneTurn("First answer");
      s.t.mock.script({ text: "Second answer" });
      await s.alice.runs.wait(threadId, "chat", { input: user("again") });
      const history = await s.alice.threads.getHistory<Values>(threadId, { limit: 100 });
      const afterFirstTurn = history.find((h) => h.values.messages?.length === 2 && h.next.length === 0)!;
      const older = afterFirstTurn.checkpoint.checkpoint_id!;
      const firstTurn = afterFirstTurn.values.messages.map((m) => [m.type, m.content]);

      s.t.mock.script({ text: "Branch answer" });
      const chunks = await collect(s.alice.runs.stream(threadId, "chat", { checkpoint: { checkpoint_id: older, checkpoint_ns: "", checkpoint_map: null }, input: user("another way") }));
      const head = await s.alice.threads.getState<Values>(threadId);
      expect(chunks.at(-1)!.data).toEqual(head.values);
      expect(head.values.messages.map((m) => [m.type, m.content])).toEqual([...firstTurn, ["human", "another way"], ["ai", "Branch answer"]]);
      // The new head descends from the older checkpoint, not from the previous head.
      const lineage = await ancestors(threadId, head.checkpoint.checkpoint_id!);
      expect(lineage).toContain(older);
      expect(lineage).not.toContain(history[0]!.checkpoint.checkpoint_id);
      await expectMirrorMatchesState(threadId);

      s.t.mock.script({ text: "Third way" });
      const values = (await s.alice.runs.wait(threadId, "chat", { checkpointId: older, input: user("yet another way") })) as Values;
      expect(values.messages.map((m) => [m.type, m.content])).toEqual([...firstTurn, ["human", "yet another way"], ["ai", "Third way"]]);
      expect((await s.alice.threads.getState(threadId)).values).toEqual(values);
      await expectMirrorMatchesState(threadId);
    });
  });

  describe("config, context and metadata", () => {
    it("passes configurable to the graph, and keeps the run's metadata and context", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ text: "Bonjour" });
      let runId = "";
      await collect(
        s.alice.runs.stream(thread.thread_id, "chat", {
          input: user("hello"),
          config: { configurable: { system_prompt: "Answer in French." } },
          context: { user_name: "Alice" },
          metadata: { source: "run-modes-test", attempt_label: "first" },
          onRunCreated: (meta) => (runId = meta.run_id),
        }),
      );
      expect(s.t.mock.requests.at(-1)!.messages[0]).toEqual({ role: "system", content: "Answer in French." });
      const run = await s.alice.runs.get(thread.thread_id, runId);
      expect(run.metadata).toEqual({ source: "run-modes-test", attempt_label: "first" });
      expect(kwargsOf(run)).toMatchObject({ context: { user_name: "Alice" }, config: { configurable: { system_prompt: "Answer in French." } } });
      expect(run.status).toBe("success");
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("config.recursion_limit: a tool loop past a tiny limit ends with an error event; the default limit lets it finish", async () => {
      const loop: MockReply[] = [
        { toolCalls: [{ name: "calculator", args: { expression: "1+1" } }] },
        { toolCalls: [{ name: "calculator", args: { expression: "2+2" } }] },
        { text: "Done looping" },
      ];
      const limited = await s.alice.threads.create();
      s.t.mock.script(loop);
      const chunks = await collect(s.alice.runs.stream(limited.thread_id, "chat", { input: user("loop"), config: { recursion_limit: 3 } }));
      expect(names(chunks).at(-1)).toBe("error");
      expect(chunks.at(-1)!.data).toEqual({ error: expect.any(String), message: expect.any(String) });
      const [run] = await s.alice.runs.list(limited.thread_id);
      expect(run!.status).toBe("error");
      expect((await s.alice.threads.get(limited.thread_id)).status).toBe("error");
      await expectMirrorMatchesState(limited.thread_id);

      const unlimited = await s.alice.threads.create();
      s.t.mock.script(loop);
      const values = (await s.alice.runs.wait(unlimited.thread_id, "chat", { input: user("loop") })) as Values;
      expect(values.messages.at(-1)!.content).toBe("Done looping");
    });
  });

  describe("threads that do not exist yet", () => {
    it("ifNotExists: \"create\" creates the thread the run names", async () => {
      const threadId = randomUUID();
      s.t.mock.script({ text: "Made for you" });
      const chunks = await collect(s.alice.runs.stream(threadId, "chat", { input: user("hi"), ifNotExists: "create" }));
      expect(chunks.at(-1)!.data.messages.at(-1).content).toBe("Made for you");
      const thread = await s.alice.threads.get<Values>(threadId);
      expect(thread).toMatchObject({ thread_id: threadId, status: "idle" });
      expect(contents(thread.values)).toEqual(["hi", "Made for you"]);
      expect((await s.alice.threads.search({ limit: 1000 })).map((t) => t.thread_id)).toContain(threadId);
      await expectMirrorMatchesState(threadId);
    });

    it("without it, a run on an unknown thread is a 404 and creates nothing", async () => {
      const threadId = randomUUID();
      const requestsBefore = s.t.mock.requests.length;
      expect(await sdkStatus(s.alice.runs.create(threadId, "chat", { input: user("hi") }))).toBe(404);
      expect(await sdkStatus(collect(s.alice.runs.stream(threadId, "chat", { input: user("hi") })))).toBe(404);
      expect(await sdkStatus(s.alice.runs.wait(threadId, "chat", { input: user("hi"), ifNotExists: "reject" }))).toBe(404);
      expect(await sdkStatus(s.alice.threads.get(threadId))).toBe(404);
      expect(s.t.mock.requests).toHaveLength(requestsBefore);
    });
  });

  describe("stateless runs", () => {
    const threadIds = async () => (await s.alice.threads.search({ limit: 1000 })).map((t) => t.thread_id).sort();

    it("stream, wait and create without a thread work and leave no thread behind", async () => {
      const before = await threadIds();
      s.t.mock.script({ text: "Stateless answer" });

      const chunks = await collect(s.alice.runs.stream(null, "chat", { input: user("streamed") }));
      expect(chunks[0]).toMatchObject({ event: "metadata", data: { run_id: expect.any(String) } });
      expect(contents(chunks.at(-1)!.data)).toEqual(["streamed", "Stateless answer"]);

      const waited = (await s.alice.runs.wait(null, "chat", { input: user("waited") })) as Values;
      expect(contents(waited)).toEqual(["waited", "Stateless answer"]);

      const run = await s.alice.runs.create(null, "chat", { input: user("in the background") });
      expect(run).toMatchObject({ run_id: expect.any(String), thread_id: expect.any(String) });
      const joined = await collect(s.alice.runs.joinStream(null, run.run_id));
      expect(contents(joined.at(-1)!.data)).toEqual(["in the background", "Stateless answer"]);

      expect(await threadIds()).toEqual(before);
      expect(await sdkStatus(s.alice.threads.get(run.thread_id))).toBe(404);
    });

    it("onCompletion: \"keep\" keeps the run's thread", async () => {
      s.t.mock.script({ text: "Kept answer" });
      const run = await s.alice.runs.create(null, "chat", { input: user("keep this"), onCompletion: KEEP });
      await collect(s.alice.runs.joinStream(null, run.run_id));
      const thread = await s.alice.threads.get<Values>(run.thread_id);
      expect(contents(thread.values)).toEqual(["keep this", "Kept answer"]);
      expect(await threadIds()).toContain(run.thread_id);
      expect((await s.alice.runs.get(run.thread_id, run.run_id)).status).toBe("success");
      await expectMirrorMatchesState(run.thread_id);
    });
  });

  describe("errors", () => {
    it("a model failure: an error event, the run in error, and wait answers __error__", async () => {
      const thread = await s.alice.threads.create();
      s.t.mock.script({ httpStatus: 500 });
      const chunks = await collect(s.alice.runs.stream(thread.thread_id, "chat", { input: user("hi") }));
      expect(names(chunks).at(-1)).toBe("error");
      // Our code for the kind of failure and our sentence, never the provider's body.
      const failed = { error: "model_error", message: `The model server at ${new URL(s.t.mock.baseURL).origin} answered with an error (HTTP 500).` };
      expect(chunks.at(-1)!.data).toEqual(failed);
      expect((await s.alice.runs.get(thread.thread_id, chunks[0]!.data.run_id)).status).toBe("error");
      expect((await s.alice.threads.get(thread.thread_id)).status).toBe("error");
      await expectMirrorMatchesState(thread.thread_id);

      const waited = await s.alice.runs.wait(thread.thread_id, "chat", { input: user("again"), raiseError: false });
      expect(waited).toEqual({ __error__: failed });
      expect((await s.alice.runs.list(thread.thread_id)).map((r) => r.status)).toEqual(["error", "error"]);
      await expectMirrorMatchesState(thread.thread_id);
    });

    it("refuses bad requests with a 4xx the SDK does not retry", async () => {
      let requests = 0;
      // Retries on: a status the SDK would retry would show as more than one request.
      const retrying = new Client({
        apiUrl: s.t.url, apiKey: ALICE,
        callerOptions: { maxRetries: 2, fetch: (...args: Parameters<typeof fetch>) => (requests++, fetch(...args)) },
      });
      const thread = await s.alice.threads.create();
      const mockBefore = s.t.mock.requests.length;
      const cases: [string, () => Promise<unknown>, number, string | null][] = [
        ["an unknown stream mode", () => retrying.runs.create(thread.thread_id, "chat", { input: user("x"), streamMode: ["everything" as "values"] }), 400, "stream_mode"],
        ["a bad multitask_strategy", () => retrying.runs.create(thread.thread_id, "chat", { input: user("x"), multitaskStrategy: "sometimes" as "reject" }), 400, "multitask_strategy"],
        ["a missing assistant_id", () => retrying.runs.create(thread.thread_id, undefined as unknown as string, { input: user("x") }), 400, "assistant_id"],
        ["an unknown assistant", () => retrying.runs.create(thread.thread_id, randomUUID(), { input: user("x") }), 404, null],
        ["an unknown graph name", () => retrying.runs.wait(thread.thread_id, "no-such-graph", { input: user("x") }), 404, null],
        ["an unknown stream mode on a stream", () => collect(retrying.runs.stream(null, "chat", { input: user("x"), streamMode: "everything" as "values" })), 400, "stream_mode"],
      ];
      for (const [label, call, status, field] of cases) {
        requests = 0;
        const err = await call().then(() => null, (e: { status?: number; text?: string }) => e);
        expect(err?.status, label).toBe(status);
        expect(requests, `${label}: requests made`).toBe(1);
        const problem = JSON.parse(err!.text!);
        expect(problem, label).toMatchObject({ status });
        if (field) expect(problem.invalid_params.map((p: { name: string }) => p.name), label).toContain(field);
      }
      expect(s.t.mock.requests).toHaveLength(mockBefore);
      expect(await s.alice.runs.list(thread.thread_id)).toEqual([]);
    });
  });
});
