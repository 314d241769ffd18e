import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem, postChat } from "./helpers/problem.js";
import { readSse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const postText = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}/api/chat?format=text`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("POST /api/chat as plain text", () => {
  let t: TestService;
  beforeAll(async () => {
    // A heartbeat every 100 ms: were one written in text mode, the replies below would show it.
    t = await startTestService({ env: { HEARTBEAT_MS: "100" } });
  });
  afterAll(() => t.close());

  it("answers the reply's text alone, with the thread and run in headers, on the same durable run", async () => {
    t.mock.script({ text: "Hello there friend" });
    const res = await postText(t.url, { message: "hi" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-encoding")).toBeNull();
    const threadId = res.headers.get("x-thread-id")!;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get("x-run-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.text()).toBe("Hello there friend\n");
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(thread.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([["user", "hi"], ["assistant", "Hello there friend"]]);
  });

  it("streams the text as the model writes it", async () => {
    // The model sends one word and then nothing: the word must already be on the wire.
    t.mock.script({ text: "First then nothing", stallAfterTokens: 1 });
    const res = await postText(t.url, { message: "hi", on_disconnect: "cancel" });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("First")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toBe("First ");
    await reader.cancel();
    await waitIdle(t.url, res.headers.get("x-thread-id")!);
  });

  it("is chosen by Accept: text/plain, unless the client also accepts an event stream", async () => {
    t.mock.script({ text: "plain" });
    const text = await postChat(t.url, { message: "hi" }, { accept: "text/plain" });
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(await text.text()).toBe("plain\n");
    const both = await postChat(t.url, { message: "hi", thread_id: text.headers.get("x-thread-id") }, { accept: "text/plain, text/event-stream" });
    expect(both.headers.get("content-type")).toBe("text/event-stream");
    expect((await readSse(both)).events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    const forced = await fetch(`${t.url}/api/chat?format=sse`, { method: "POST", headers: { "content-type": "application/json", accept: "text/plain" }, body: JSON.stringify({ message: "hi" }) });
    expect(forced.headers.get("content-type")).toBe("text/event-stream");
    await readSse(forced);
  });

  it("leaves tool calls out and puts a blank line between the assistant's messages", async () => {
    t.mock.script([{ text: "Let me check.", toolCalls: [{ id: "call_1", name: "calculator", args: { expression: "6*7" } }] }, { text: "It is 42." }]);
    const res = await postText(t.url, { message: "what is 6*7?" });
    expect(await res.text()).toBe("Let me check.\n\nIt is 42.\n");
  });

  it("ends a pause for approval with an [interrupted] line holding the interrupt, then resumes as text", async () => {
    t.mock.script([{ toolCalls: [{ id: "call_mail", name: "send_email", args: { to: "bob@example.com", subject: "Lunch", body: "Noon?" } }] }, { text: "Not sent, as you asked." }]);
    const res = await postText(t.url, { message: "email bob about lunch" });
    const threadId = res.headers.get("x-thread-id")!;
    const lines = (await res.text()).split("\n");
    expect(lines.at(-1)).toBe("");
    const last = lines.at(-2)!;
    expect(last).toMatch(/^\[interrupted\] \{/);
    const pause = JSON.parse(last.slice("[interrupted] ".length));
    expect(pause.id).toEqual(expect.any(String));
    expect(pause.value.action_requests).toMatchObject([{ name: "send_email", args: { to: "bob@example.com" }, tool_call_id: "call_mail" }]);
    const resumed = await postText(t.url, { thread_id: threadId, resume: { decisions: [{ type: "reject", message: "not now" }] } });
    expect(resumed.headers.get("x-thread-id")).toBe(threadId);
    expect(await resumed.text()).toBe("Not sent, as you asked.\n");
  });

  it("ends a failed run with an [error] line naming the code", async () => {
    t.mock.script({ httpStatus: 401, errorMessage: "bad key" });
    const res = await postText(t.url, { message: "hi" });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^\[error\] model_auth_failed: [^\n]+\n$/);
  });

  it("refuses a bad request with a problem before any text, and an unknown format", async () => {
    const empty = await postText(t.url, { message: "" });
    expect((await expectProblem(empty, 400, /message/)).invalid_params).toEqual([{ name: "message", reason: "must not be empty" }]);
    const xml = await fetch(`${t.url}/api/chat?format=xml`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ message: "hi" }) });
    expect((await expectProblem(xml, 400, /format/)).invalid_params).toEqual([{ name: "format", reason: "must be sse or text" }]);
  });
});

/** Waits until the thread's cancelled run has ended, so the service closes with no run left. */
async function waitIdle(url: string, threadId: string): Promise<void> {
  for (;;) {
    const thread = await (await fetch(`${url}/api/threads/${threadId}?messages=false`)).json();
    if (thread.status !== "busy") return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
