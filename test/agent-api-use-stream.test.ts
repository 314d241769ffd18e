// jsdom first: React DOM looks for a document when it loads.
import "./helpers/dom-globals.js";
import { ReadableStream as NodeReadableStream } from "node:stream/web";
import { TextDecoder as NodeTextDecoder } from "node:util";
import type { Client, Message } from "@langchain/langgraph-sdk";
import { useStream, type UseStreamOptions } from "@langchain/langgraph-sdk/react";
import { renderHook, waitFor } from "@testing-library/react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockReply, MockRequest } from "./helpers/mock-openai.js";
import { ALICE, startWithSdkClients, type SdkClients } from "./helpers/sdk-clients.js";
import { sentEmails } from "./helpers/outbox.js";

type State = { messages: Message[] };
type Line = [type: string, content: string];
/** What one render of the hook showed. */
interface Frame {
  isLoading: boolean;
  messages: Line[];
}

const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon at the usual place?" };
const REPLY = /^Reply number \d+( and then)* arrives one word at a time$/;
const human = (content: string) => ({ messages: [{ type: "human" as const, content }] });
const text = (m: Message) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content));
const lines = (messages: Message[]): Line[] => messages.map((m) => [m.type, text(m)]);

// The model e-mails when asked to, quotes a tool's result back, never finishes a "forever" answer,
// and otherwise answers slowly enough for the hook to render partial replies (a new answer per
// request; a "story" takes about a second).
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `noted: ${last.content}` };
  const said = String(last?.content);
  if (/email/.test(said)) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  if (/forever/.test(said)) return { text: "and on ".repeat(50), tokenDelayMs: 20, stallAfterTokens: 5 };
  if (/story/.test(said)) return { text: `Reply number ${req.index}${" and then".repeat(20)} arrives one word at a time`, tokenDelayMs: 25 };
  return { text: `Reply number ${req.index} arrives one word at a time`, tokenDelayMs: 30 };
}

// The React hook agent-chat-ui is built on, unchanged, against the real service over HTTP.
describe("useStream (@langchain/langgraph-sdk/react) against the Agent Server API", () => {
  let s: SdkClients;
  let alice: Client;
  beforeAll(async () => {
    s = await startWithSdkClients();
    s.t.mock.script(model);
    alice = s.alice;
    // The hook is fed by a network stream, as in a browser: outside act() React renders each update
    // as it comes, where act() would batch away the partial replies these tests look for.
    (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
  });
  afterAll(() => s.t.close());

  type Options = Pick<UseStreamOptions<State>, "reconnectOnMount" | "threadId" | "fetchStateHistory">;

  /** Mounts the hook as a chat component would, recording what each render showed. */
  function mountChat(options: Options = {}) {
    const frames: Frame[] = [];
    const threadIds: string[] = [];
    const runs: { run_id: string; thread_id: string }[] = [];
    const hook = renderHook(() => {
      const stream = useStream<State>({
        apiUrl: s.t.url,
        apiKey: ALICE,
        assistantId: "chat",
        messagesKey: "messages",
        onThreadId: (id) => threadIds.push(id),
        onCreated: (run) => runs.push(run),
        ...options,
      });
      // Reading `messages` is what asks the hook to stream messages-tuple as well as values.
      frames.push({ isLoading: stream.isLoading, messages: lines(stream.messages) });
      return stream;
    });
    const idle = () => waitFor(() => expect(hook.result.current.isLoading).toBe(false), { timeout: 10_000 });
    return { ...hook, frames, threadIds, runs, idle };
  }

  it("runs in jsdom, with Node's streams and TextDecoder under the SDK's fetch", () => {
    expect(navigator.userAgent).toMatch(/jsdom/);
    expect(window.sessionStorage).toBeDefined();
    expect(globalThis.ReadableStream).toBe(NodeReadableStream);
    expect(globalThis.TextDecoder).toBe(NodeTextDecoder);
    expect(typeof fetch).toBe("function");
  });

  it("streams a reply token by token into messages, on a thread it creates; a second submit continues it", async () => {
    const chat = mountChat();
    expect(chat.result.current).toMatchObject({ isLoading: false, messages: [] });

    await chat.result.current.submit(human("hi"));
    await chat.idle();
    const [threadId] = chat.threadIds;
    expect(chat.threadIds).toEqual([expect.any(String)]);
    const final = chat.result.current.messages;
    expect(lines(final)).toEqual([["human", "hi"], ["ai", expect.stringMatching(REPLY)]]);
    expect(chat.result.current.error).toBeUndefined();
    const reply = text(final[1]!);

    // Loading, then done; and while loading the reply was shown in part.
    const loading = chat.frames.findIndex((f) => f.isLoading);
    expect(loading).toBeGreaterThan(0);
    expect(chat.frames.at(-1)!.isLoading).toBe(false);
    const partial = chat.frames.filter((f) => f.isLoading && f.messages.at(-1)?.[0] === "ai").map((f) => f.messages.at(-1)![1]);
    expect(partial.some((p) => p.length > 0 && p.length < reply.length && reply.startsWith(p))).toBe(true);

    // The thread is the server's, with the conversation the hook showed.
    expect((await alice.threads.get(threadId!)).status).toBe("idle");
    const state = await alice.threads.getState<State>(threadId!);
    expect(state.values.messages.map((m) => [m.id, m.type, text(m)])).toEqual(final.map((m) => [m.id, m.type, text(m)]));

    await chat.result.current.submit(human("and again"));
    await chat.idle();
    expect(lines(chat.result.current.messages)).toEqual([
      ["human", "hi"], ["ai", reply], ["human", "and again"], ["ai", expect.stringMatching(REPLY)],
    ]);
    expect(chat.threadIds).toEqual([threadId]);
    expect((await alice.runs.list(threadId!)).map((r) => r.status)).toEqual(["success", "success"]);
  });

  it("shows the approval gate's interrupt; resuming with a command runs the tool", async () => {
    const chat = mountChat();
    await chat.result.current.submit(human("please email bob about lunch"));
    await chat.idle();
    const asked = chat.result.current.messages.at(-1)! as Message & { tool_calls: { id: string }[] };
    expect(asked).toMatchObject({ type: "ai", tool_calls: [{ name: "send_email", args: EMAIL }] });
    const callId = asked.tool_calls[0]!.id;
    expect(chat.result.current.interrupt).toMatchObject({
      id: expect.any(String),
      // What agent-chat-ui (which mounts this hook) reads to draw Approve / Edit / Reject.
      value: {
        action_requests: [{ name: "send_email", args: EMAIL, tool_call_id: callId }],
        review_configs: [{ action_name: "send_email", allowed_decisions: ["approve", "edit", "reject"] }],
      },
    });
    const threadId = chat.threadIds[0]!;
    const thread = await alice.threads.get(threadId);
    expect(thread.status).toBe("interrupted");
    expect(Object.values(thread.interrupts).flat().map((i) => i.id)).toEqual([(chat.result.current.interrupt as { id: string }).id]);

    // As agent-chat-ui's Approve button sends it.
    await chat.result.current.submit({}, { command: { resume: { decisions: [{ type: "approve" }] } } });
    await chat.idle();
    expect(chat.result.current.interrupt).toBeUndefined();
    const messages = chat.result.current.messages;
    expect(lines(messages)).toEqual([
      ["human", "please email bob about lunch"],
      ["ai", ""],
      ["tool", expect.stringMatching(/^E-mail to bob@example\.com with the subject "Lunch" was sent/)],
      ["ai", `noted: ${text(messages[2]!)}`],
    ]);
    expect(messages[2]).toMatchObject({ tool_call_id: callId, name: "send_email" });
    expect((await alice.threads.get(threadId)).status).toBe("idle");
    expect((await alice.runs.list(threadId)).map((r) => r.status)).toEqual(["success", "interrupted"]);
    const sent = await sentEmails(s.t.db.pool, threadId);
    expect(sent.map(({ to, subject, body }) => ({ to, subject, body }))).toEqual([EMAIL]);
  });

  // Without reconnectOnMount stop() drops the stream, and the run goes as it was created with
  // on_disconnect "cancel"; with it, the run continues on disconnect and stop() cancels it by id.
  it.each([
    ["dropping the stream (on_disconnect cancel)", {}],
    ["cancelling the run by id (reconnectOnMount)", { reconnectOnMount: true }],
  ])("stop() mid-stream interrupts the run on the server: %s", async (_label, options: Options) => {
    const chat = mountChat(options);
    const done = chat.result.current.submit(human("go on forever"));
    await waitFor(() => expect(chat.result.current.messages.at(-1)).toMatchObject({ type: "ai", content: expect.stringMatching(/^and on/) }));
    const [run] = chat.runs;
    expect((await alice.runs.get(run!.thread_id, run!.run_id)).status).toBe("running");

    await chat.result.current.stop();
    await done;
    await chat.idle();
    expect(chat.result.current.error).toBeUndefined();
    await waitFor(async () => expect((await alice.runs.get(run!.thread_id, run!.run_id)).status).toBe("interrupted"), { timeout: 5_000 });
    await waitFor(async () => expect((await alice.threads.get(run!.thread_id)).status).toBe("idle"));
    expect(s.t.service.runs.activeCount).toBe(0);
  });

  it("reconnectOnMount: a remounted hook rejoins the running run and shows all of it", async () => {
    const first = mountChat({ reconnectOnMount: true });
    void first.result.current.submit(human("tell me a story"));
    await waitFor(() => expect(first.result.current.messages.at(-1)).toMatchObject({ type: "ai", content: expect.stringMatching(/^Reply/) }));
    const [run] = first.runs;
    expect(sessionStorage.getItem(`lg:stream:${run!.thread_id}`)).toBe(run!.run_id);
    expect((await alice.runs.get(run!.thread_id, run!.run_id)).status).toBe("running");
    // A page reload: the component goes, a new one mounts on the same thread while the run goes on.
    first.unmount();

    const second = mountChat({ reconnectOnMount: true, threadId: run!.thread_id });
    await waitFor(() => expect(second.frames.some((f) => f.isLoading)).toBe(true));
    await second.idle();
    expect(lines(second.result.current.messages)).toEqual([["human", "tell me a story"], ["ai", expect.stringMatching(REPLY)]]);
    const reply = text(second.result.current.messages[1]!);
    expect(second.frames.some((f) => f.isLoading && f.messages.length === 2 && reply.startsWith(f.messages[1]![1]) && f.messages[1]![1] !== reply)).toBe(true);
    expect(second.result.current.error).toBeUndefined();
    expect(second.runs).toEqual([]);
    expect((await alice.runs.get(run!.thread_id, run!.run_id)).status).toBe("success");
    expect(sessionStorage.getItem(`lg:stream:${run!.thread_id}`)).toBeNull();
  });

  it("fetchStateHistory: regenerating from a checkpoint forks the thread; branches switch between the replies", async () => {
    const chat = mountChat({ fetchStateHistory: true });
    await chat.result.current.submit(human("hi"));
    await chat.idle();
    await waitFor(() => expect(chat.result.current.history.length).toBeGreaterThan(0));
    const firstReply = chat.result.current.messages[1]!;
    expect(lines(chat.result.current.messages)).toEqual([["human", "hi"], ["ai", expect.stringMatching(REPLY)]]);

    const meta = chat.result.current.getMessagesMetadata(firstReply, 1);
    expect(meta?.firstSeenState?.values.messages.map((m) => m.id)).toEqual(chat.result.current.messages.map((m) => m.id));
    const parent = meta!.firstSeenState!.parent_checkpoint;
    expect(parent).toMatchObject({ checkpoint_id: expect.any(String) });

    // What agent-chat-ui's "regenerate" does: run again from the checkpoint before the reply.
    await chat.result.current.submit(undefined, { checkpoint: parent });
    await chat.idle();
    await waitFor(() => expect(chat.result.current.messages[1]?.id).not.toBe(firstReply.id));
    const secondReply = chat.result.current.messages[1]!;
    expect(lines(chat.result.current.messages)).toEqual([["human", "hi"], ["ai", expect.stringMatching(REPLY)]]);
    expect(text(secondReply)).not.toBe(text(firstReply));

    const forked = chat.result.current.getMessagesMetadata(secondReply, 1);
    expect(forked?.branchOptions).toHaveLength(2);
    expect(forked?.branchOptions).toContain(forked?.branch);
    const other = forked!.branchOptions!.find((b) => b !== forked!.branch)!;
    chat.result.current.setBranch(other);
    await waitFor(() => expect(chat.result.current.messages.map((m) => m.id)).toEqual([chat.result.current.messages[0]!.id, firstReply.id]));
    expect(text(chat.result.current.messages[1]!)).toBe(text(firstReply));
    expect(chat.result.current.getMessagesMetadata(chat.result.current.messages[1]!, 1)?.branchOptions).toEqual(forked!.branchOptions);
  });
});
