import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpointState, expectMirrorMatchesCheckpoint } from "./helpers/checkpoint-state.js";
import { startMockOpenAI, type MockOpenAI, type MockReply, type MockRequest } from "./helpers/mock-openai.js";
import { chat, type SseResponse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { sentEmails } from "./helpers/outbox.js";
import { escapeRegExp } from "./helpers/escape-reg-exp.js";
import { expectProblem, postChat as post } from "./helpers/problem.js";

const ARGS = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };
const EDITED = { to: "carol@example.com", subject: "Lunch moved", body: "One o'clock instead." };

// The model asks to e-mail when the user says "email" (bob, and carol too when named, in one step),
// answers tool results by quoting the last, and otherwise just replies.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  const asked = String(last?.content);
  if (!/email/.test(asked)) return { text: "hello back" };
  return { toolCalls: [{ name: "send_email", args: ARGS }, ...(/carol/.test(asked) ? [{ name: "send_email", args: EDITED }] : [])] };
}

const names = (res: SseResponse) => res.events.map((e) => e.event);
const event = (res: SseResponse, name: string) => res.events.find((e) => e.event === name)?.data;

/** The pause as every client sees it: LangChain's standard human-in-the-loop request, in snake_case. */
const approvalRequest = (...calls: { id: string; args: Record<string, unknown> }[]) => ({
  action_requests: calls.map(({ id, args }) => ({
    name: "send_email", args, tool_call_id: id,
    description: expect.stringMatching(/^send_email waits for your approval before it runs\.\n\nSend an e-mail/),
  })),
  review_configs: calls.map(() => ({
    action_name: "send_email", allowed_decisions: ["approve", "edit", "reject"],
    // The tool's arguments, for a client's edit form.
    args_schema: expect.objectContaining({ type: "object", required: ["to", "subject", "body"], properties: expect.objectContaining({ to: expect.objectContaining({ type: "string" }) }) }),
  })),
});

const REASON = "Not now, thanks.";
const SENT = /^E-mail to bob@example\.com with the subject "Lunch" was sent \(recorded in the outbox as [\w-]+\)\.$/;
const EDITED_RESULT = new RegExp(
  `^The user edited the arguments before approving; it ran with ${escapeRegExp(JSON.stringify(EDITED))}\\. Result: E-mail to carol@example\\.com with the subject "Lunch moved" was sent`,
);
const REFUSED = /^The user rejected this call to send_email, so it did not run\. Their reason: Not now, thanks\.$/;

/**
 * Each decision in the standard form (what agent-chat-ui and the SDK send), in our alias, and what
 * it must do: what is e-mailed, the tool result the model is sent, the decision kept on the result.
 */
const decisions = [
  { kind: "approve", standard: { decisions: [{ type: "approve" }] }, alias: { decision: "approve" }, sent: ARGS, result: SENT, kept: { type: "approve" } },
  {
    kind: "edit",
    standard: { decisions: [{ type: "edit", edited_action: { name: "send_email", args: EDITED } }] },
    alias: { decision: "edit", args: EDITED },
    sent: EDITED, result: EDITED_RESULT, kept: { type: "edit", edited_action: { name: "send_email", args: EDITED } },
  },
  {
    kind: "reject", standard: { decisions: [{ type: "reject", message: REASON }] }, alias: { decision: "reject", message: REASON },
    sent: null, result: REFUSED, kept: { type: "reject", message: REASON },
  },
] as const;

describe("human approval of tool calls", () => {
  let mock: MockOpenAI;
  let t: TestService;
  const thread = async (id: string) => (await fetch(`${t.url}/api/threads/${id}`)).json();
  const outbox = async (threadId: string) => (await sentEmails(t.db.pool, threadId)).map(({ thread_id: _, ...email }) => email);
  const sdk = () => new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });

  /** A thread paused before `send_email`; returns it with the model's tool call id. */
  async function pausedThread(message = "please email bob about lunch") {
    const res = await chat(t.url, { message });
    const threadId = res.headers.get("x-thread-id")!;
    const callId = event(res, "interrupt").value.action_requests[0].tool_call_id as string;
    return { res, threadId, callId };
  }

  /** Stops the service and starts another on the same database: the pause must come from what PostgreSQL holds. */
  async function restart(threadId: string) {
    await t.close();
    t = await startTestService({ db: t.db, mock });
    // Still paused: a message is refused, the decision is awaited.
    expect((await thread(threadId)).status).toBe("interrupted");
    await expectProblem(await post(t.url, { message: "hello?", thread_id: threadId }), 409, /resume/);
  }

  /** After the decision: the model was sent the result (or the refusal), the thread is idle, and the mirror agrees. */
  async function expectDecided(threadId: string, callId: string, requestsBefore: number, d: (typeof decisions)[number]) {
    expect(mock.requests).toHaveLength(requestsBefore + 1);
    expect(mock.requests.at(-1)!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: callId, name: "send_email", content: expect.stringMatching(d.result) });
    expect(await outbox(threadId)).toEqual(d.sent ? [{ tool_call_id: callId, ...d.sent }] : []);
    const after = await thread(threadId);
    expect(after.status).toBe("idle");
    // The model's request stays as it asked; the decision is kept on the result.
    expect(after.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(after.messages[1].tool_calls).toEqual([{ id: callId, name: "send_email", args: ARGS }]);
    expect(after.messages[2].metadata).toEqual({ approval: d.kept });
    expect(after.messages[3].content).toBe(`noted: ${after.messages[2].content}`);
    expect((await checkpointState(t.db.pool, threadId)).next).toEqual([]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  }

  beforeAll(async () => {
    mock = await startMockOpenAI(model);
    t = await startTestService({ mock });
  });
  afterAll(async () => {
    await t.close();
    await mock.close();
  });

  it("pauses before send_email: an interrupt in the standard format, then end interrupted", async () => {
    const { res, threadId, callId } = await pausedThread();
    // No tool_start yet: the tool has not started, it waits for a decision.
    expect(names(res)).toEqual(["start", "message", "message", "interrupt", "end"]);
    const assistant = res.events[2].data;
    expect(assistant.tool_calls).toEqual([{ id: callId, name: "send_email", args: ARGS }]);
    expect(event(res, "interrupt")).toEqual({ type: "interrupt", id: expect.any(String), value: approvalRequest({ id: callId, args: ARGS }) });
    expect(event(res, "end")).toMatchObject({ status: "interrupted", thread_id: threadId });
    expect((await thread(threadId)).status).toBe("interrupted");
    // The pause is in the checkpoint too: the tools step is pending, with the same question, which
    // the Agent Server API shows as it is (agent-chat-ui draws its Approve / Edit / Reject from it).
    expect((await checkpointState(t.db.pool, threadId)).next).toEqual(["tools"]);
    const state = await sdk().threads.getState(threadId);
    expect(state.tasks.flatMap((task) => task.interrupts.map((i) => i.value))).toEqual([approvalRequest({ id: callId, args: ARGS })]);
    expect(await outbox(threadId)).toEqual([]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  describe.each([
    ["", false],
    [" after a restart", true],
  ])("resuming%s", (_label, restarted) => {
    describe.each(["standard", "alias"] as const)("over /api/chat, in the %s form", (form) => {
      it.each(decisions)("$kind", async (d) => {
        const { threadId, callId } = await pausedThread();
        if (restarted) await restart(threadId);
        const requestsBefore = mock.requests.length;
        const res = await chat(t.url, { thread_id: threadId, resume: d[form] });

        // No message of the user's: the run continues the paused step. A tool_start means the tool
        // really starts, with the arguments it runs with: a rejected call has neither tool_start nor
        // tool_end, and the tool message carrying the refusal is all there is of it.
        const toolEvents = d.sent ? ["tool_start", "tool_end"] : [];
        const tokens = res.events.filter((e) => e.event === "token").map((e) => e.event);
        expect(tokens.length).toBeGreaterThan(0);
        expect(names(res)).toEqual(["start", ...toolEvents, "message", ...tokens, "message", "end"]);
        const toolMessage = event(res, "message");
        expect(toolMessage).toEqual({ type: "message", id: expect.any(String), role: "tool", tool_call_id: callId, name: "send_email", content: expect.stringMatching(d.result) });
        if (d.sent) {
          expect(event(res, "tool_start")).toEqual({ type: "tool_start", id: callId, name: "send_email", input: d.sent });
          expect(event(res, "tool_end")).toEqual({ type: "tool_end", id: callId, name: "send_email", output: toolMessage.content, duration_ms: expect.any(Number) });
        }
        expect(res.events.at(-2)!.data).toMatchObject({ role: "assistant", content: `noted: ${toolMessage.content}` });
        expect(event(res, "end")).toMatchObject({ status: "success", thread_id: threadId });
        await expectDecided(threadId, callId, requestsBefore, d);
      });
    });

    // What agent-chat-ui sends when Approve, Edit or Reject is clicked: `command: {resume: {decisions}}`.
    it.each(decisions)("over the Agent Server API (SDK), in the standard form: $kind", async (d) => {
      const { threadId, callId } = await pausedThread();
      if (restarted) await restart(threadId);
      const requestsBefore = mock.requests.length;
      const chunks: { event: string; data: any }[] = [];
      for await (const chunk of sdk().runs.stream(threadId, "chat", { command: { resume: d.standard }, streamMode: "updates" })) chunks.push(chunk);
      const updates = chunks.filter((c) => c.event === "updates").map((c) => c.data);
      expect(updates.map((u) => Object.keys(u))).toEqual([["tools"], ["agent"]]);
      expect(updates[0].tools.messages).toEqual([expect.objectContaining({ type: "tool", tool_call_id: callId, content: expect.stringMatching(d.result) })]);
      expect((await sdk().runs.list(threadId)).map((r) => r.status)).toEqual(["success", "interrupted"]);
      await expectDecided(threadId, callId, requestsBefore, d);
    });
  });

  // One pause for the step: both calls are listed, and one resume decides each in its order.
  it("asks about two calls of one step in one pause, and runs only the approved one", async () => {
    const { res, threadId } = await pausedThread("please email bob and carol about lunch");
    const [bob, carol] = res.events[2].data.tool_calls as { id: string; args: Record<string, unknown> }[];
    expect(event(res, "interrupt").value).toEqual(approvalRequest({ id: bob!.id, args: ARGS }, { id: carol!.id, args: EDITED }));
    expect(res.events.filter((e) => e.event === "interrupt")).toHaveLength(1);

    const requestsBefore = mock.requests.length;
    const resumed = await chat(t.url, { thread_id: threadId, resume: { decisions: [{ type: "approve" }, { type: "reject", message: REASON }] } });
    expect(names(resumed).filter((n) => n.startsWith("tool_"))).toEqual(["tool_start", "tool_end"]);
    expect(event(resumed, "tool_start")).toMatchObject({ id: bob!.id, input: ARGS });
    expect(event(resumed, "end").status).toBe("success");
    expect(await outbox(threadId)).toEqual([{ tool_call_id: bob!.id, ...ARGS }]);
    // The model was sent both answers, in the order it asked.
    expect(mock.requests).toHaveLength(requestsBefore + 1);
    expect(mock.requests.at(-1)!.messages.slice(-2)).toEqual([
      { role: "tool", tool_call_id: bob!.id, name: "send_email", content: expect.stringMatching(SENT) },
      { role: "tool", tool_call_id: carol!.id, name: "send_email", content: expect.stringMatching(REFUSED) },
    ]);
    expect((await thread(threadId)).messages.slice(2, 4).map((m: { metadata: unknown }) => m.metadata)).toEqual([{ approval: { type: "approve" } }, { approval: { type: "reject", message: REASON } }]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  // The tool checks edited arguments as it checks the model's: nothing is sent, and the model is told why.
  it("does not send an edit that the tool's schema refuses", async () => {
    const { threadId, callId } = await pausedThread();
    const res = await chat(t.url, { thread_id: threadId, resume: { decisions: [{ type: "edit", edited_action: { name: "send_email", args: { ...EDITED, to: "carol" } } }] } });
    expect(event(res, "tool_end")).toMatchObject({ id: callId, error: expect.stringMatching(/did not match expected schema[\s\S]*to/) });
    expect(event(res, "end").status).toBe("success");
    expect(mock.requests.at(-1)!.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: callId, content: expect.stringContaining("did not match expected schema") });
    expect(await outbox(threadId)).toEqual([]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  // A stored assistant that has not enabled send_email: a call to it is not asked about, and nothing is sent.
  it("does not ask about a gated tool the run's assistant has not enabled", async () => {
    const created = await fetch(`${t.url}/api/assistants`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ graph_id: "chat", name: "calculator only", config: { tools: ["calculator"] } }),
    });
    const { assistant_id } = await created.json();
    const res = await chat(t.url, { message: "please email bob about lunch", assistant_id });
    const threadId = res.headers.get("x-thread-id")!;
    expect(names(res)).not.toContain("interrupt");
    expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect(event(res, "tool_end")).toMatchObject({ name: "send_email", error: expect.stringMatching(/not found/i) });
    expect(await outbox(threadId)).toEqual([]);
  });

  it("refuses a plain message to an interrupted thread, saying how to resume", async () => {
    const { threadId } = await pausedThread();
    const requestsBefore = mock.requests.length;
    const body = await expectProblem(await post(t.url, { message: "never mind", thread_id: threadId }), 409, /is interrupted/);
    for (const hint of ['"resume"', '"decisions"', '"approve"', '"reject"', '"edit"', '"edited_action"', '"args"']) expect(body.detail).toContain(hint);
    expect(body.thread_status).toBe("interrupted");
    expect(mock.requests).toHaveLength(requestsBefore);
    expect((await thread(threadId)).status).toBe("interrupted");
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  it("refuses to resume a thread that is not interrupted", async () => {
    const plain = await chat(t.url, { message: "hi" });
    const threadId = plain.headers.get("x-thread-id")!;
    const requestsBefore = mock.requests.length;
    const approve = { decisions: [{ type: "approve" }] };
    await expectProblem(await post(t.url, { thread_id: threadId, resume: approve }), 409, /not waiting for a decision \(its status is idle\): there is nothing to resume/);

    // Nor twice: the first decision used the pause up.
    const { threadId: paused } = await pausedThread();
    expect(event(await chat(t.url, { thread_id: paused, resume: approve }), "end").status).toBe("success");
    await expectProblem(await post(t.url, { thread_id: paused, resume: approve }), 409, /nothing to resume/);
    expect(await outbox(paused)).toHaveLength(1);

    await expectProblem(await post(t.url, { thread_id: randomUUID(), resume: approve }), 404, /^Thread .* was not found\.$/);
    expect(mock.requests).toHaveLength(requestsBefore + 2);
  });

  describe("bad resume bodies", () => {
    let threadId: string;
    let twoCalls: string;
    beforeAll(async () => {
      ({ threadId } = await pausedThread());
      ({ threadId: twoCalls } = await pausedThread("please email bob and carol about lunch"));
    });

    const decisionShape = expect.stringMatching(/^must be \{"type": "approve"\}, \{"type": "edit", "edited_action"/);
    it.each([
      ["too many decisions", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "approve" }, { type: "approve" }] } }), [{ name: "resume.decisions", reason: "must hold 1 decision, one per action request in order (it holds 2)" }]],
      ["a decision of no known type", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "maybe" }] } }), [{ name: "resume.decisions.0", reason: decisionShape }]],
      ["decisions that are not a list", (id: string) => ({ thread_id: id, resume: { decisions: { type: "approve" } } }), [{ name: "resume.decisions", reason: "must be a list of decisions, one per action request" }]],
      ["an edit of another tool", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "edit", edited_action: { name: "calculator", args: {} } }] } }), [{ name: "resume.decisions.0.edited_action.name", reason: "must be send_email: an edit changes the arguments, not the tool" }]],
      ["an edit whose args are not an object", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "edit", edited_action: { name: "send_email", args: "to carol" } }] } }), [{ name: "resume.decisions.0", reason: decisionShape }]],
      ["a reject message that is not text", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "reject", message: 42 }] } }), [{ name: "resume.decisions.0", reason: decisionShape }]],
      ["an unknown field", (id: string) => ({ thread_id: id, resume: { decisions: [{ type: "approve" }], why: "because" } }), [{ name: "resume.why", reason: "unknown field" }]],
      ["an unknown decision (alias)", (id: string) => ({ thread_id: id, resume: { decision: "maybe" } }), [{ name: "resume.decision", reason: "must be one of approve, reject, edit" }]],
      ["edit without args (alias)", (id: string) => ({ thread_id: id, resume: { decision: "edit" } }), [{ name: "resume.args", reason: "is required when decision is edit" }]],
      ["args without edit (alias)", (id: string) => ({ thread_id: id, resume: { decision: "approve", args: EDITED } }), [{ name: "resume.args", reason: "is only allowed when decision is edit" }]],
      ["args that are not an object (alias)", (id: string) => ({ thread_id: id, resume: { decision: "edit", args: "to carol" } }), [{ name: "resume.args", reason: "must be an object of the tool's arguments" }]],
      ["a resume that is not an object", (id: string) => ({ thread_id: id, resume: "approve" }), [{ name: "resume", reason: 'must be an object, such as {"decisions": [{"type": "approve"}]}' }]],
      ["a null resume", (id: string) => ({ thread_id: id, resume: null }), [{ name: "resume", reason: "is required: the answer to the pause" }]],
      ["both message and resume", (id: string) => ({ thread_id: id, message: "hi", resume: { decision: "approve" } }), [{ name: "resume", reason: "cannot be sent with message" }]],
      ["neither message nor resume", (id: string) => ({ thread_id: id }), [{ name: "message", reason: expect.stringContaining("expected string") }]],
      ["resume without thread_id", () => ({ resume: { decision: "approve" } }), [{ name: "thread_id", reason: "is required with resume" }]],
      ["resume with turn fields", (id: string) => ({ thread_id: id, resume: { decision: "approve" }, metadata: {} }), [{ name: "metadata", reason: "unknown field" }]],
    ])("rejects %s with a 400 naming the field, and the thread stays paused", async (_label, body, invalid) => {
      const requestsBefore = mock.requests.length;
      const problem = await expectProblem(await post(t.url, body(threadId)), 400, /^Invalid body: /);
      expect(problem.invalid_params).toEqual(invalid);
      expect(mock.requests).toHaveLength(requestsBefore);
      expect((await thread(threadId)).status).toBe("interrupted");
    });

    it("rejects one decision for a pause of two calls, and an alias edit for both", async () => {
      await expectProblem(await post(t.url, { thread_id: twoCalls, resume: { decisions: [{ type: "approve" }] } }), 400, /^Invalid body: resume\.decisions: must hold 2 decisions/);
      const alias = await expectProblem(await post(t.url, { thread_id: twoCalls, resume: { decision: "edit", args: EDITED } }), 400, /^Invalid body: /);
      expect(alias.invalid_params).toEqual([{ name: "resume.decision", reason: "edit applies to one call, and this pause lists 2: send decisions, one per call" }]);
      expect((await thread(twoCalls)).status).toBe("interrupted");
    });

    // The Agent Server API refuses it before the run too, naming command.resume; the pause still takes a right answer.
    it("rejects a wrong-shaped command.resume on the Agent Server API with a 400, before anything runs", async () => {
      const requestsBefore = mock.requests.length;
      for (const route of ["runs", "runs/wait", "runs/stream"]) {
        const res = await fetch(`${t.url}/threads/${twoCalls}/${route}`, {
          method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ assistant_id: "chat", command: { resume: { decisions: [{ type: "approve" }, { type: "edit", editedAction: { name: "send_email" } }] } } }),
        });
        const problem = await expectProblem(res, 400, /^Invalid body: command\.resume\.decisions\.1: /);
        expect(problem.invalid_params).toEqual([{ name: "command.resume.decisions.1", reason: decisionShape }]);
      }
      expect(await sdk().runs.list(twoCalls)).toHaveLength(1);
      expect((await sdk().threads.get(twoCalls)).status).toBe("interrupted");
      expect(mock.requests).toHaveLength(requestsBefore);
      // LangChain's camelCase decisions are read as well.
      const done = await sdk().runs.wait(twoCalls, "chat", { command: { resume: { decisions: [{ type: "reject" }, { type: "edit", editedAction: { name: "send_email", args: EDITED } }] } } });
      expect((done as { messages: { type: string; content: string }[] }).messages.slice(-3).map((m) => m.type)).toEqual(["tool", "tool", "ai"]);
      expect(await outbox(twoCalls)).toEqual([expect.objectContaining(EDITED)]);
    });

    // GET /chat is for new messages only (an EventSource cannot send a decision body).
    it("does not take a resume on GET /chat", async () => {
      const res = await fetch(`${t.url}/chat?thread_id=${threadId}&resume=approve`);
      expect((await expectProblem(res, 400, /resume/)).invalid_params).toContainEqual({ name: "resume", reason: "unknown field" });
    });
  });
});

describe("human approval across tenants", () => {
  const ALICE = "key-alice-0001";
  const CAROL = "key-carol-0003";
  const BOB = "key-bob-000002";
  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ script: model, env: { API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob,${CAROL}:acme:carol` } });
  });
  afterAll(() => t.close());

  // Another tenant (or another user of the tenant) cannot tell the thread exists, let alone decide for it.
  it("answers 404 to a resume of another owner's thread, which stays paused for its owner", async () => {
    const paused = await chat(t.url, { message: "email bob about lunch" }, bearer(ALICE));
    const threadId = paused.headers.get("x-thread-id")!;
    for (const key of [BOB, CAROL]) {
      await expectProblem(await post(t.url, { thread_id: threadId, resume: { decisions: [{ type: "approve" }] } }, bearer(key)), 404, new RegExp(`^Thread ${threadId} was not found\\.$`));
    }
    expect(await sentEmails(t.db.pool)).toEqual([]);
    const resumed = await chat(t.url, { thread_id: threadId, resume: { decisions: [{ type: "approve" }] } }, bearer(ALICE));
    expect(event(resumed, "end").status).toBe("success");
    expect((await sentEmails(t.db.pool)).map((e) => e.thread_id)).toEqual([threadId]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });
});
