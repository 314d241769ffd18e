// jsdom first: React DOM looks for a document when it loads.
import "./helpers/dom-globals.js";
import { useChat } from "@ai-sdk/react";
import { renderHook, waitFor } from "@testing-library/react";
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses, type UIMessage } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentEmails } from "./helpers/outbox.js";
import { STORY, uiChatModel } from "./helpers/ui-chat-model.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const texts = (m: UIMessage | undefined) => (m?.parts ?? []).flatMap((p) => (p.type === "text" ? [p.text] : [])).join("");
const tool = (m: UIMessage | undefined, name: string) => m?.parts.find((p) => p.type === `tool-${name}`) as { state: string; output?: unknown; approval?: { id: string } } | undefined;

// The React hook of the Vercel AI SDK, unchanged, against the real service over HTTP.
describe("useChat (@ai-sdk/react) against POST /api/ui/chat", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ script: uiChatModel });
    // Fed by a network stream as in a browser: outside act(), React renders each update as it comes.
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
  });
  afterAll(() => t.close());

  const thread = async (id: string) => (await fetch(`${t.url}/api/threads/${id}`)).json();

  function mountChat(id: string, options: { body?: object; resume?: boolean; messages?: UIMessage[] } = {}) {
    const hook = renderHook(() =>
      useChat({
        id,
        messages: options.messages,
        resume: options.resume,
        transport: new DefaultChatTransport({ api: `${t.url}/api/ui/chat`, body: options.body }),
        sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
      }),
    );
    const ready = () => waitFor(() => expect(hook.result.current.status).toBe("ready"), { timeout: 10_000 });
    return { ...hook, ready };
  }

  it("chats, shows a tool call, and regenerates the reply on a new branch of the thread", async () => {
    const chat = mountChat("use-chat-1");
    await chat.result.current.sendMessage({ text: "calc 6 * 7" });
    await chat.ready();
    const [asked, reply] = chat.result.current.messages;
    expect(asked).toMatchObject({ role: "user", parts: [{ type: "text", text: "calc 6 * 7" }] });
    expect(tool(reply, "calculator")).toMatchObject({ state: "output-available", output: "42" });
    expect(texts(reply)).toBe("noted: 42");
    expect(chat.result.current.error).toBeUndefined();

    await chat.result.current.regenerate();
    await chat.ready();
    const again = chat.result.current.messages;
    expect(again).toHaveLength(2);
    expect(again[1]!.id).not.toBe(reply!.id);
    const { messages } = await thread("use-chat-1");
    expect(messages.map((m: { id: string }) => m.id)).toContain(again[1]!.id);
    expect(messages.find((m: { id: string }) => m.id === again[1]!.id).siblings).toMatchObject({ count: 2, ids: [reply!.id, again[1]!.id] });
  });

  it("asks for approval; approving sends the call on by itself, rejecting it denies it with the reason", async () => {
    const chat = mountChat("use-chat-2");
    await chat.result.current.sendMessage({ text: "email bob" });
    await chat.ready();
    const approval = tool(chat.result.current.messages[1], "send_email")!;
    expect(approval.state).toBe("approval-requested");

    await chat.result.current.addToolApprovalResponse({ id: approval.approval!.id, approved: true });
    await waitFor(() => expect(texts(chat.result.current.messages[1])).toMatch(/^noted: E-mail to bob@example\.com/), { timeout: 10_000 });
    await chat.ready();
    expect(chat.result.current.messages).toHaveLength(2);
    expect(tool(chat.result.current.messages[1], "send_email")).toMatchObject({ state: "output-available" });
    expect(await sentEmails(t.db.pool, (await thread("use-chat-2")).thread_uuid)).toHaveLength(1);

    await chat.result.current.sendMessage({ text: "email bob again" });
    await chat.ready();
    const second = tool(chat.result.current.messages[3], "send_email")!;
    await chat.result.current.addToolApprovalResponse({ id: second.approval!.id, approved: false, reason: "Not now." });
    await waitFor(() => expect(texts(chat.result.current.messages[3])).toMatch(/Their reason: Not now\.$/), { timeout: 10_000 });
    await chat.ready();
    expect(tool(chat.result.current.messages[3], "send_email")).toMatchObject({ state: "output-denied" });
    expect(await sentEmails(t.db.pool, (await thread("use-chat-2")).thread_uuid)).toHaveLength(1);
  });

  it("with resume: true, a newly mounted hook rejoins the run a dropped connection left going", async () => {
    const first = mountChat("use-chat-4", { body: { on_disconnect: "continue" } });
    void first.result.current.sendMessage({ text: "tell a story" });
    await waitFor(() => expect(texts(first.result.current.messages[1]).length).toBeGreaterThan(0), { timeout: 10_000 });
    const shown = first.result.current.messages;
    // The page goes away mid-reply (stop() aborts the request as a closed tab would); the run goes on.
    await first.result.current.stop();
    first.unmount();

    const again = mountChat("use-chat-4", { resume: true, messages: shown });
    await waitFor(() => expect(texts(again.result.current.messages[1])).toBe(STORY), { timeout: 10_000 });
    await again.ready();
    expect(again.result.current.messages.map((m) => m.id)).toEqual(shown.map((m) => m.id));
    const { messages } = await thread("use-chat-4");
    expect(messages[1]).toMatchObject({ id: shown[1]!.id, content: STORY, status: "complete" });
  });

  it("stop() stops the run on the server, keeping the reply so far", async () => {
    const chat = mountChat("use-chat-3");
    void chat.result.current.sendMessage({ text: "tell a story" });
    await waitFor(() => expect(texts(chat.result.current.messages[1]).length).toBeGreaterThan(0), { timeout: 10_000 });
    await chat.result.current.stop();
    await chat.ready();
    let stopped;
    do stopped = await thread("use-chat-3");
    while (stopped.status === "busy");
    expect(stopped.status).toBe("idle");
    expect(stopped.messages[1]).toMatchObject({ role: "assistant", status: "partial" });
    expect(stopped.messages[1].content.length).toBeLessThan(STORY.length);
  });
});
