import { afterAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const contents = (messages: { role: string; content: unknown }[]) => messages.map((m) => `${m.role}: ${m.content}`);

describe("conversation memory", () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close().catch(() => {});
  });

  // The model server is sent the whole thread on each turn: memory lives in the checkpoints.
  it("sends the model the earlier turns of the thread", async () => {
    const t = await startTestService({ script: (req) => ({ text: `reply ${req.index + 1}` }) });
    services.push(t);
    const first = await chat(t.url, { message: "my name is Ada" });
    const threadId = first.headers.get("x-thread-id")!;
    await chat(t.url, { message: "what is my name?", thread_id: threadId });
    expect(contents(t.mock.requests[1].messages)).toEqual([
      "system: You are a helpful assistant. Use the tools when they help.",
      "user: my name is Ada",
      "assistant: reply 1",
      "user: what is my name?",
    ]);
  });

  // The sliding window bounds what the model sees; the state and the mirror keep everything.
  it("sends only the system prompt and the last N rounds, keeping every message", async () => {
    const t = await startTestService({ env: { WINDOW_ROUNDS: "2", SYSTEM_PROMPT: "Be brief." }, script: (req) => ({ text: `r${req.index + 1}` }) });
    services.push(t);
    const threadId = (await chat(t.url, { message: "one" })).headers.get("x-thread-id")!;
    await chat(t.url, { message: "two", thread_id: threadId });
    await chat(t.url, { message: "three", thread_id: threadId });
    expect(contents(t.mock.requests[2].messages)).toEqual(["system: Be brief.", "user: two", "assistant: r2", "user: three"]);
    const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
    expect(contents(thread.messages)).toEqual(["user: one", "assistant: r1", "user: two", "assistant: r2", "user: three", "assistant: r3"]);
    expect(thread.message_count).toBe(6);
  });

  // A new process on the same database picks the conversation up where it was.
  it("continues a thread in a fresh app on the same database", async () => {
    const a = await startTestService({ script: { text: "first answer" } });
    const threadId = (await chat(a.url, { message: "remember 42" })).headers.get("x-thread-id")!;
    await a.close();
    const b = await startTestService({ db: a.db, script: { text: "second answer" } });
    services.push(b);
    const res = await chat(b.url, { message: "what did I ask you to remember?", thread_id: threadId });
    expect(res.events.at(-1)!.data.status).toBe("success");
    expect(contents(b.mock.requests[0].messages).slice(1)).toEqual(["user: remember 42", "assistant: first answer", "user: what did I ask you to remember?"]);
    const thread = await (await fetch(`${b.url}/api/threads/${threadId}`)).json();
    expect(thread.message_count).toBe(4);
    expect(thread.title).toBe("remember 42");
  });
});
