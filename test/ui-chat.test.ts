import { DefaultChatTransport, readUIMessageStream, type UIMessage, type UIMessageChunk } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentEmails } from "./helpers/outbox.js";
import { STORY, uiChatModel } from "./helpers/ui-chat-model.js";
import { expectProblem } from "./helpers/problem.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const user = (id: string, text: string): UIMessage => ({ id, role: "user", parts: [{ type: "text", text }] });
const texts = (m: UIMessage) => m.parts.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");

describe("POST /api/ui/chat: the Vercel AI SDK's UI message stream, with ai 6's own client", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ script: uiChatModel });
  });
  afterAll(() => t.close());

  const transport = (body?: object) => new DefaultChatTransport({ api: `${t.url}/api/ui/chat`, body });
  const thread = async (id: string) => (await fetch(`${t.url}/api/threads/${id}`)).json();

  /** One request as useChat makes it; the reply as ai 6 assembles it (continuing `from`, as useChat does for a reply it continues). */
  async function send(chatId: string, messages: UIMessage[], extra: { trigger?: "submit-message" | "regenerate-message"; messageId?: string; from?: UIMessage } = {}) {
    const stream = await transport().sendMessages({ chatId, messages, trigger: extra.trigger ?? "submit-message", messageId: extra.messageId, abortSignal: undefined });
    const chunks: UIMessageChunk[] = [];
    const seen = stream.pipeThrough(new TransformStream<UIMessageChunk, UIMessageChunk>({ transform: (c, out) => (chunks.push(c), out.enqueue(c)) }));
    let message: UIMessage | undefined;
    for await (const m of readUIMessageStream({ stream: seen, message: extra.from && structuredClone(extra.from), terminateOnError: true })) message = m;
    return { message: message!, chunks };
  }

  it("streams a reply whose id is the mirror's, with the protocol's header and [DONE]", async () => {
    const res = await fetch(`${t.url}/api/ui/chat`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: "ui-raw", messages: [user("u1", "hi")], trigger: "submit-message" }),
    });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-vercel-ai-ui-message-stream")).toBe("v1");
    const body = await res.text();
    expect(body.endsWith("\n\ndata: [DONE]\n\n")).toBe(true);
    const { messages } = await thread("ui-raw");
    expect(messages.map((m: { role: string }) => m.role)).toEqual(["user", "assistant"]);
    expect(body.startsWith(`data: {"type":"start","messageId":${JSON.stringify(messages[1].id)}}\n\n`)).toBe(true);

    // The thread is the memory: the next turn sends the whole conversation, and only its last message runs.
    const { message } = await send("ui-raw", [user("u1", "hi"), { id: messages[1].id, role: "assistant", parts: [{ type: "text", text: messages[1].content }] }, user("u2", "again")]);
    expect(texts(message)).toMatch(/^hello number \d+$/);
    expect((await thread("ui-raw")).messages.map((m: { content: string }) => m.content)).toEqual(["hi", messages[1].content, "again", texts(message)]);
  });

  it("shows a tool call and its result as parts of the reply", async () => {
    const { message } = await send("ui-calc", [user("u1", "calc 6 * 7")]);
    expect(message.parts.map((p) => p.type)).toEqual(["step-start", "tool-calculator", "step-start", "text"]);
    expect(message.parts[1]).toMatchObject({ state: "output-available", input: { expression: "6 * 7" }, output: "42" });
    expect(texts(message)).toBe("noted: 42");
    const { messages } = await thread("ui-calc");
    expect(message.id).toBe(messages[1].id);
  });

  it("asks for approval with tool-approval-request, and runs the call once approved", async () => {
    const { message: paused, chunks } = await send("ui-approve", [user("u1", "email bob")]);
    const part = paused.parts.find((p) => p.type === "tool-send_email") as { state: string; toolCallId: string; approval: { id: string } };
    expect(part.state).toBe("approval-requested");
    expect(chunks.at(-1)).toMatchObject({ type: "finish", finishReason: "tool-calls" });
    expect((await thread("ui-approve")).status).toBe("interrupted");

    // What addToolApprovalResponse makes of it, sent back as useChat sends it.
    const answered = respond(paused, part.approval.id, { approved: true });
    const { message } = await send("ui-approve", [user("u1", "email bob"), answered], { messageId: answered.id, from: answered });
    expect(message.id).toBe(paused.id);
    expect(message.parts.find((p) => p.type === "tool-send_email")).toMatchObject({ state: "output-available", output: expect.stringMatching(/^E-mail to bob@example.com/) });
    expect(texts(message)).toMatch(/^noted: E-mail to bob@example.com/);
    const { threadId } = await fetch(`${t.url}/api/threads/ui-approve`).then(async (r) => ({ threadId: (await r.json()).thread_uuid as string }));
    expect(await sentEmails(t.db.pool, threadId)).toHaveLength(1);
  });

  it("does not run a rejected call: the client sees tool-output-denied, the model the reason", async () => {
    const { message: paused } = await send("ui-reject", [user("u1", "email bob")]);
    const part = paused.parts.find((p) => p.type === "tool-send_email") as { approval: { id: string } };
    const answered = respond(paused, part.approval.id, { approved: false, reason: "Not now." });
    const { message, chunks } = await send("ui-reject", [user("u1", "email bob"), answered], { messageId: answered.id, from: answered });
    expect(chunks.map((c) => c.type)).toContain("tool-output-denied");
    expect(message.parts.find((p) => p.type === "tool-send_email")).toMatchObject({ state: "output-denied" });
    expect(texts(message)).toMatch(/^noted: The user rejected this call to send_email, so it did not run\. Their reason: Not now\.$/);
    const { thread_uuid } = await thread("ui-reject");
    expect(await sentEmails(t.db.pool, thread_uuid)).toEqual([]);
  });

  it("regenerates a reply on a new branch, as a sibling of the first", async () => {
    const { message: first } = await send("ui-regen", [user("u1", "hi")]);
    const { message: second } = await send("ui-regen", [user("u1", "hi")], { trigger: "regenerate-message", messageId: first.id });
    expect(second.id).not.toBe(first.id);
    expect(texts(second)).not.toBe(texts(first));
    const { messages } = await thread("ui-regen");
    expect(messages.map((m: { id: string }) => m.id)).toEqual([messages[0].id, second.id]);
    expect(messages[1].siblings).toMatchObject({ count: 2, ids: [first.id, second.id] });
    // Without messageId (useChat's regenerate() of the last reply), the thread's last reply.
    const { message: third } = await send("ui-regen", [user("u1", "hi")], { trigger: "regenerate-message" });
    expect((await thread("ui-regen")).messages[1]).toMatchObject({ id: third.id, siblings: { count: 3 } });
  });

  it("edits a user message on a new branch (sendMessage with messageId), found by the client's id or by its place", async () => {
    const { message: first } = await send("ui-edit", [user("c1", "hi")]);
    await send("ui-edit", [user("c1", "hi"), { ...first }, user("c2", "and then?")]);
    // useChat's own id for the second message: the thread's second user message.
    const { message: edited } = await send("ui-edit", [user("c1", "hi"), { ...first }, user("c2", "what else?")], { messageId: "c2" });
    const { messages } = await thread("ui-edit");
    expect(messages.map((m: { content: string }) => m.content)).toEqual(["hi", texts(first), "what else?", texts(edited)]);
    expect(messages[2].siblings).toMatchObject({ count: 2 });
    // The server's id for the first: its own message.
    await send("ui-edit", [user(messages[0].id, "hello")], { messageId: messages[0].id });
    expect((await thread("ui-edit")).messages.map((m: { content: string }) => m.content)).toEqual(["hello", expect.stringMatching(/^hello number/)]);
  });

  it("stops the run when the client aborts (useChat's stop)", async () => {
    const abort = new AbortController();
    const stream = await transport().sendMessages({ chatId: "ui-stop", messages: [user("u1", "tell a story")], trigger: "submit-message", messageId: undefined, abortSignal: abort.signal });
    const reader = stream.getReader();
    for (let c = await reader.read(); c.value?.type !== "text-delta"; c = await reader.read());
    abort.abort();
    await reader.cancel().catch(() => {});
    const ended = await waitForThread("ui-stop", (th) => th.status !== "busy");
    expect(ended.status).toBe("idle");
    const reply = ended.messages[1];
    expect(reply).toMatchObject({ role: "assistant", status: "partial" });
    expect(reply.content.length).toBeLessThan(STORY.length);
  });

  it("rejoins a run that goes on after a dropped connection (resume), from its first part; 204 when none is in progress", async () => {
    const drop = new AbortController();
    const stream = await transport({ on_disconnect: "continue" }).sendMessages({ chatId: "ui-resume", messages: [user("u1", "tell a story")], trigger: "submit-message", messageId: undefined, abortSignal: drop.signal });
    const reader = stream.getReader();
    let replyId: string | undefined;
    for (let c = await reader.read(); c.value?.type !== "text-delta"; c = await reader.read()) if (c.value?.type === "start") replyId = c.value.messageId;
    drop.abort();
    await reader.cancel().catch(() => {});

    const rejoined = await transport().reconnectToStream({ chatId: "ui-resume" });
    expect(rejoined).not.toBeNull();
    let message: UIMessage | undefined;
    for await (const m of readUIMessageStream({ stream: rejoined!, terminateOnError: true })) message = m;
    const ended = await waitForThread("ui-resume", (th) => th.status !== "busy");
    expect(ended.messages[1]).toMatchObject({ id: replyId, status: "complete", content: texts(message!) });
    expect(message!.id).toBe(replyId);
    expect(await transport().reconnectToStream({ chatId: "ui-resume" })).toBeNull();
    expect(await transport().reconnectToStream({ chatId: "ui-never-used" })).toBeNull();
  });

  it("refuses what useChat would never send with a 400 naming the field", async () => {
    const post = (body: unknown) => fetch(`${t.url}/api/ui/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const names = async (res: Response) => (await expectProblem(res, 400, /^Invalid body: /)).invalid_params.map((f: { name: string }) => f.name);
    expect(await names(await post({ messages: [user("u", "hi")], trigger: "submit-message" }))).toEqual(["id"]);
    expect(await names(await post({ id: "ui-bad", messages: [user("u", "hi")], trigger: "resume-stream" }))).toEqual(["trigger"]);
    expect(await names(await post({ id: "ui-bad", messages: [], trigger: "submit-message" }))).toEqual(["messages"]);
    expect(await names(await post({ id: "ui-bad", messages: [user("u", " ")], trigger: "submit-message" }))).toEqual(["messages.0.parts"]);
    expect(await names(await post({ id: "ui-bad", messages: [{ id: "a", role: "assistant", parts: [] }], trigger: "submit-message" }))).toEqual(["messages.0.parts"]);
    expect(await names(await post({ id: "ui-bad", messages: [user("u", "hi")], trigger: "submit-message", extra: 1 }))).toEqual(["extra"]);
    const tooLong = { id: "a", role: "assistant", parts: [{ type: "tool-send_email", state: "approval-responded", approval: { id: "x", approved: "yes" } }] };
    expect(await names(await post({ id: "ui-bad", messages: [tooLong], trigger: "submit-message" }))).toEqual(["messages.0.parts.0.approval.approved"]);
    // An approval for a thread that is not paused: nothing to resume.
    await expectProblem(await post({ id: "ui-bad", messages: [respond({ id: "a", role: "assistant", parts: [{ type: "tool-send_email", toolCallId: "c", state: "approval-requested", input: {}, approval: { id: "x" } }] } as UIMessage, "x", { approved: true })], trigger: "submit-message" }), 404, /^Thread ui-bad was not found\.$/);
  });

  async function waitForThread(id: string, done: (th: any) => boolean) {
    for (;;) {
      const th = await thread(id);
      if (done(th)) return th;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
});

/** The reply with one call's approval answered, as `addToolApprovalResponse` leaves it. */
function respond(message: UIMessage, approvalId: string, answer: { approved: boolean; reason?: string }): UIMessage {
  const parts = message.parts.map((p) => ("approval" in p && p.approval?.id === approvalId ? { ...p, state: "approval-responded", approval: { id: approvalId, ...answer } } : p));
  return { ...message, parts } as UIMessage;
}
