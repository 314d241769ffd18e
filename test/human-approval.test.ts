import { randomUUID } from "node:crypto";
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

// The model asks to e-mail when the user says "email", answers a tool result by quoting it, and
// otherwise just replies.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  return /email/.test(String(last?.content)) ? { toolCalls: [{ name: "send_email", args: ARGS }] } : { text: "hello back" };
}

const names = (res: SseResponse) => res.events.map((e) => e.event);
const event = (res: SseResponse, name: string) => res.events.find((e) => e.event === name)?.data;

describe("human approval of tool calls", () => {
  let mock: MockOpenAI;
  let t: TestService;
  const thread = async (id: string) => (await fetch(`${t.url}/api/threads/${id}`)).json();
  const outbox = async (threadId: string) => (await sentEmails(t.db.pool, threadId)).map(({ thread_id: _, ...email }) => email);

  /** A thread paused before `send_email`; returns it with the model's tool call id. */
  async function pausedThread() {
    const res = await chat(t.url, { message: "please email bob about lunch" });
    const threadId = res.headers.get("x-thread-id")!;
    const callId = event(res, "interrupt").value.tool_call_id as string;
    return { res, threadId, callId };
  }

  beforeAll(async () => {
    mock = await startMockOpenAI(model);
    t = await startTestService({ mock });
  });
  afterAll(async () => {
    await t.close();
    await mock.close();
  });

  it("pauses before send_email: an interrupt with the tool and its arguments, then end interrupted", async () => {
    const { res, threadId, callId } = await pausedThread();
    // No tool_start yet: the tool has not started, it waits for a decision.
    expect(names(res)).toEqual(["start", "message", "message", "interrupt", "end"]);
    const assistant = res.events[2].data;
    expect(assistant.tool_calls).toEqual([{ id: callId, name: "send_email", args: ARGS }]);
    expect(event(res, "interrupt")).toEqual({ type: "interrupt", id: expect.any(String), value: { type: "tool_approval", tool_call_id: callId, name: "send_email", args: ARGS } });
    expect(event(res, "end")).toMatchObject({ status: "interrupted", thread_id: threadId });
    expect((await thread(threadId)).status).toBe("interrupted");
    // The pause is in the checkpoint too: the tools step is pending, with the same question.
    expect((await checkpointState(t.db.pool, threadId)).next).toEqual(["tools"]);
    expect(await outbox(threadId)).toEqual([]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  const decisions = [
    {
      resume: { decision: "approve" },
      sent: ARGS,
      result: /^E-mail to bob@example\.com with the subject "Lunch" was sent \(recorded in the outbox as [\w-]+\)\.$/,
    },
    {
      resume: { decision: "edit", args: EDITED },
      sent: EDITED,
      result: new RegExp(
        `^The user edited the arguments before approving; it ran with ${escapeRegExp(JSON.stringify(EDITED))}\\. Result: E-mail to carol@example\\.com with the subject "Lunch moved" was sent`,
      ),
    },
    { resume: { decision: "reject" }, sent: null, result: /^The user rejected this call to send_email, so it did not run\.$/ },
  ];

  describe.each([
    ["", false],
    [" after a restart", true],
  ])("resuming%s", (_label, restart) => {
    it.each(decisions)("$resume.decision", async ({ resume, sent, result }) => {
      const { threadId, callId } = await pausedThread();
      if (restart) {
        await t.close();
        t = await startTestService({ db: t.db, mock });
        // Still paused, from what the database holds: a message is refused, the decision is awaited.
        expect((await thread(threadId)).status).toBe("interrupted");
        await expectProblem(await post(t.url, { message: "hello?", thread_id: threadId }), 409, /resume/);
      }
      const requestsBefore = mock.requests.length;
      const res = await chat(t.url, { thread_id: threadId, resume });

      // No message of the user's: the run continues the paused step. A tool_start means the tool
      // really starts, with the arguments it runs with: a rejected call has neither tool_start nor
      // tool_end, and the tool message carrying the refusal is all there is of it.
      const toolEvents = sent ? ["tool_start", "tool_end"] : [];
      const tokens = res.events.filter((e) => e.event === "token").map((e) => e.event);
      expect(tokens.length).toBeGreaterThan(0);
      expect(names(res)).toEqual(["start", ...toolEvents, "message", ...tokens, "message", "end"]);
      const toolMessage = event(res, "message");
      expect(toolMessage).toEqual({ type: "message", id: expect.any(String), role: "tool", tool_call_id: callId, name: "send_email", content: expect.stringMatching(result) });
      if (sent) {
        expect(event(res, "tool_start")).toEqual({ type: "tool_start", id: callId, name: "send_email", input: sent });
        expect(event(res, "tool_end")).toEqual({ type: "tool_end", id: callId, name: "send_email", output: toolMessage.content, duration_ms: expect.any(Number) });
      }
      expect(res.events.at(-2)!.data).toMatchObject({ role: "assistant", content: `noted: ${toolMessage.content}` });
      expect(event(res, "end")).toMatchObject({ status: "success", thread_id: threadId });

      // The model was sent the result (or the refusal) as the answer to its call.
      expect(mock.requests).toHaveLength(requestsBefore + 1);
      expect(mock.requests.at(-1)!.messages.at(-1)).toEqual({ role: "tool", tool_call_id: callId, name: "send_email", content: toolMessage.content });
      expect(await outbox(threadId)).toEqual(sent ? [{ tool_call_id: callId, ...sent }] : []);

      const after = await thread(threadId);
      expect(after.status).toBe("idle");
      // The model's request stays as it asked; the decision is kept on the result.
      expect(after.messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
      expect(after.messages[1].tool_calls).toEqual([{ id: callId, name: "send_email", args: ARGS }]);
      expect(after.messages[2].metadata).toEqual({ approval: resume });
      expect((await checkpointState(t.db.pool, threadId)).next).toEqual([]);
      await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    });
  });

  // The tool checks edited arguments as it checks the model's: nothing is sent, and the model is told why.
  it("does not send an edit that the tool's schema refuses", async () => {
    const { threadId, callId } = await pausedThread();
    const res = await chat(t.url, { thread_id: threadId, resume: { decision: "edit", args: { ...EDITED, to: "carol" } } });
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
    for (const hint of ['"resume"', '"approve"', '"reject"', '"edit"', '"args"']) expect(body.detail).toContain(hint);
    expect(body.thread_status).toBe("interrupted");
    expect(mock.requests).toHaveLength(requestsBefore);
    expect((await thread(threadId)).status).toBe("interrupted");
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });

  it("refuses to resume a thread that is not interrupted", async () => {
    const plain = await chat(t.url, { message: "hi" });
    const threadId = plain.headers.get("x-thread-id")!;
    const requestsBefore = mock.requests.length;
    await expectProblem(await post(t.url, { thread_id: threadId, resume: { decision: "approve" } }), 409, /not waiting for a decision \(its status is idle\): there is nothing to resume/);

    // Nor twice: the first decision used the pause up.
    const { threadId: paused } = await pausedThread();
    expect(event(await chat(t.url, { thread_id: paused, resume: { decision: "approve" } }), "end").status).toBe("success");
    await expectProblem(await post(t.url, { thread_id: paused, resume: { decision: "approve" } }), 409, /nothing to resume/);
    expect(await outbox(paused)).toHaveLength(1);

    await expectProblem(await post(t.url, { thread_id: randomUUID(), resume: { decision: "approve" } }), 404, /^Thread .* was not found\.$/);
    expect(mock.requests).toHaveLength(requestsBefore + 2);
  });

  describe("bad resume bodies", () => {
    let threadId: string;
    beforeAll(async () => {
      ({ threadId } = await pausedThread());
    });

    it.each([
      ["an unknown decision", (id: string) => ({ thread_id: id, resume: { decision: "maybe" } }), [{ name: "resume.decision", reason: "must be one of approve, reject, edit" }]],
      ["edit without args", (id: string) => ({ thread_id: id, resume: { decision: "edit" } }), [{ name: "resume.args", reason: "is required when decision is edit" }]],
      ["args without edit", (id: string) => ({ thread_id: id, resume: { decision: "approve", args: EDITED } }), [{ name: "resume.args", reason: "is only allowed when decision is edit" }]],
      ["args that are not an object", (id: string) => ({ thread_id: id, resume: { decision: "edit", args: "to carol" } }), [{ name: "resume.args", reason: "must be an object of the tool's arguments" }]],
      ["a resume that is not an object", (id: string) => ({ thread_id: id, resume: "approve" }), [{ name: "resume", reason: expect.stringContaining("expected object") }]],
      ["both message and resume", (id: string) => ({ thread_id: id, message: "hi", resume: { decision: "approve" } }), [{ name: "resume", reason: "cannot be sent with message" }]],
      ["neither message nor resume", (id: string) => ({ thread_id: id }), [{ name: "message", reason: expect.stringContaining("expected string") }]],
      ["resume without thread_id", () => ({ resume: { decision: "approve" } }), [{ name: "thread_id", reason: "is required with resume" }]],
      ["resume with turn fields", (id: string) => ({ thread_id: id, resume: { decision: "approve" }, metadata: {} }), [{ name: "metadata", reason: "unknown field" }]],
    ])("rejects %s with a 400 naming the field", async (_label, body, invalid) => {
      const requestsBefore = mock.requests.length;
      const problem = await expectProblem(await post(t.url, body(threadId)), 400, /^Invalid body: /);
      expect(problem.invalid_params).toEqual(invalid);
      expect(mock.requests).toHaveLength(requestsBefore);
      expect((await thread(threadId)).status).toBe("interrupted");
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
      await expectProblem(await post(t.url, { thread_id: threadId, resume: { decision: "approve" } }, bearer(key)), 404, new RegExp(`^Thread ${threadId} was not found\\.$`));
    }
    expect(await sentEmails(t.db.pool)).toEqual([]);
    const resumed = await chat(t.url, { thread_id: threadId, resume: { decision: "approve" } }, bearer(ALICE));
    expect(event(resumed, "end").status).toBe("success");
    expect((await sentEmails(t.db.pool)).map((e) => e.thread_id)).toEqual([threadId]);
    await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
  });
});
