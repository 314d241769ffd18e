import { HumanMessage } from "@langchain/core/messages";
import { copyCheckpoint, uuid6 } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCheckpointer } from "../src/db/create-checkpointer.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

/** Asserts a 400 problem document and returns the names of its invalid fields. */
async function invalidFields(res: Response): Promise<string[]> {
  const body = await res.json();
  expect({ status: res.status, type: res.headers.get("content-type"), title: body.title }).toEqual({ status: 400, type: "application/problem+json; charset=utf-8", title: "Invalid request" });
  return body.invalid_params.map((p: { name: string }) => p.name);
}

// Messages are checked wherever they enter a thread's state, and whatever a checkpoint holds (written
// before the checks, or by hand), the thread can still be read, exported, continued and deleted.
describe("bad messages", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  const newThread = async () => ((await (await fetch(`${t.url}/threads`, json("POST", {}))).json()) as { thread_id: string }).thread_id;
  const turn = async () => (await chat(t.url, { message: "hello" })).headers.get("x-thread-id")!;

  describe("are refused where they enter, with a 400 naming the field", () => {
    const BAD: [string, unknown, string][] = [
      ["content 5", { role: "user", content: 5 }, "0.content"],
      ["content {}", { role: "user", content: {} }, "0.content"],
      ["content null", { type: "human", content: null }, "0.content"],
      ["a null message", null, "0"],
      ["a number", 5, "0"],
      ["an unknown role", { role: "robot", content: "hi" }, "0.role"],
      ["no type or role", { content: "hi" }, "0.type"],
      ["a part without a type", { role: "user", content: [{ text: "hi" }] }, "0.content.0.type"],
      ["a part of an unknown type", { role: "user", content: [{ type: "hologram" }] }, "0.content.0.type"],
      ["a text part without text", { role: "user", content: [{ type: "text", text: 5 }] }, "0.content.0.text"],
      ["a tool message without tool_call_id", { role: "tool", content: "42" }, "0.tool_call_id"],
      ["tool calls that are not a list", { role: "assistant", content: "", tool_calls: {} }, "0.tool_calls"],
      ["a tool call without a name", { type: "ai", content: "", tool_calls: [{ args: {} }] }, "0.tool_calls.0.name"],
      ["a remove without an id", { type: "remove" }, "0.id"],
    ];

    it.each(BAD)("run input: %s", async (_name, message, field) => {
      const threadId = await newThread();
      const requests = t.mock.requests.length;
      for (const route of ["runs", "runs/wait", "runs/stream"]) {
        const res = await fetch(`${t.url}/threads/${threadId}/${route}`, json("POST", { assistant_id: "chat", input: { messages: [message] } }));
        expect(await invalidFields(res)).toEqual([`input.messages.${field}`]);
      }
      const stateless = await fetch(`${t.url}/runs/wait`, json("POST", { assistant_id: "chat", input: { messages: [message] } }));
      expect(await invalidFields(stateless)).toEqual([`input.messages.${field}`]);
      expect(t.mock.requests.length).toBe(requests);
    });

    it.each(BAD)("command.update: %s", async (_name, message, field) => {
      const threadId = await newThread();
      const asRecord = await fetch(`${t.url}/threads/${threadId}/runs/wait`, json("POST", { assistant_id: "chat", command: { update: { messages: [message] } } }));
      expect(await invalidFields(asRecord)).toEqual([`command.update.messages.${field}`]);
      const asPairs = await fetch(`${t.url}/threads/${threadId}/runs/wait`, json("POST", { assistant_id: "chat", command: { update: [["messages", [message]]] } }));
      expect(await invalidFields(asPairs)).toEqual([`command.update.0.1.${field}`]);
    });

    it.each(BAD)("POST /threads/:id/state: %s", async (_name, message, field) => {
      const threadId = await turn();
      const before = await (await fetch(`${t.url}/threads/${threadId}/state`)).json();
      const res = await fetch(`${t.url}/threads/${threadId}/state`, json("POST", { values: { messages: [message] }, as_node: "agent" }));
      expect(await invalidFields(res)).toEqual([`values.messages.${field}`]);
      // Nothing was written.
      expect(await (await fetch(`${t.url}/threads/${threadId}/state`)).json()).toEqual(before);
    });

    it("accepts every form LangChain builds a message from", async () => {
      const threadId = await turn();
      const messages = [
        "a bare string",
        ["user", "a pair"],
        { role: "user", content: "by role" },
        { type: "human", content: [{ type: "text", text: "in parts" }, { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }], id: "m-parts" },
        { type: "ai", content: "", tool_calls: [{ id: "call_1", name: "calculator", args: { expression: "1+1" } }] },
        { type: "tool", content: "2", tool_call_id: "call_1", name: null },
        { lc: 1, type: "constructor", id: ["langchain_core", "messages", "AIMessage"], kwargs: { content: "serialised" } },
      ];
      const res = await fetch(`${t.url}/threads/${threadId}/state`, json("POST", { values: { messages }, as_node: "agent" }));
      expect(res.status).toBe(200);
      const state = await (await fetch(`${t.url}/threads/${threadId}/state`)).json();
      expect(state.values.messages.slice(2).map((m: { type: string }) => m.type)).toEqual(["human", "human", "human", "human", "ai", "tool", "ai"]);
    });

    // The native routes take one plain form, checked by their own schemas.
    it("native append and import refuse them too", async () => {
      const threadId = await turn();
      const appended = await fetch(`${t.url}/api/threads/${threadId}/messages`, json("POST", { messages: [{ role: "user", content: 5 }] }));
      expect(await invalidFields(appended)).toEqual(["messages.0.content"]);
      const nulls = await fetch(`${t.url}/api/threads/${threadId}/messages`, json("POST", { messages: [null] }));
      expect(await invalidFields(nulls)).toEqual(["messages.0"]);
      const imported = await fetch(`${t.url}/api/threads/import`, json("POST", { thread: { graph_id: "chat" }, messages: [{ id: "a", role: "user", content: { text: "x" } }] }));
      expect(await invalidFields(imported)).toEqual(["messages.0.content"]);
    });
  });

  describe("already in a checkpoint", () => {
    const saver = () => createCheckpointer(t.db.pool);

    /** Writes a checkpoint on top of the thread's head whose messages are `messages`, as a bug or a hand could. */
    async function poison(threadId: string, messages: unknown): Promise<void> {
      const head = (await saver().getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } }))!;
      const checkpoint = copyCheckpoint(head.checkpoint);
      checkpoint.id = uuid6(-1);
      checkpoint.channel_values = { ...checkpoint.channel_values, messages };
      const version = Math.floor(Number(checkpoint.channel_versions.messages ?? 0)) + 1;
      checkpoint.channel_versions = { ...checkpoint.channel_versions, messages: version };
      await saver().put(head.config, checkpoint, { source: "update", step: (head.metadata?.step ?? 0) + 1, parents: {} }, { messages: version });
    }

    // What the next turn does: messages LangChain cannot send fail it with a clear error; entries that
    // are not messages at all are skipped when the checkpoint is read, and the turn works.
    const CANNOT_SEND = "could not be built from the thread's messages; nothing was sent.";
    const POISONS: [string, () => unknown, string][] = [
      ["content 5", () => [new HumanMessage({ id: "m-5", content: 5 as unknown as string })], CANNOT_SEND],
      ["content {}", () => [new HumanMessage({ id: "m-obj", content: {} as unknown as string })], CANNOT_SEND],
      ["plain objects", () => [{ role: "user", content: 5 }, { type: "ai", content: { a: 1 }, id: "x", response_metadata: { threadloom_status: "bogus" }, usage_metadata: { input_tokens: "many" } }], CANNOT_SEND],
      ["null entries", () => [null, "text", 7], "end"],
      ["messages that are not a list", () => 5, "end"],
    ];

    it.each(POISONS)("%s: the thread reads, exports, continues clearly and deletes", async (_name, messages, next) => {
      const threadId = await turn();
      await poison(threadId, messages());
      const ok = async (path: string, init?: RequestInit) => {
        const res = await fetch(`${t.url}${path}`, init);
        expect(res.status, `${init?.method ?? "GET"} ${path}: ${await res.clone().text()}`).toBe(200);
        return res;
      };
      await ok(`/threads/${threadId}`);
      await ok(`/threads/${threadId}/state`);
      await ok(`/threads/${threadId}/history`);
      await ok(`/threads/${threadId}/history`, json("POST", { limit: 10 }));
      await ok("/threads/search", json("POST", {}));
      await ok(`/api/threads/${threadId}`);
      await ok(`/api/threads/${threadId}/state`);
      await ok(`/api/threads/${threadId}/history`);
      for (const format of ["json", "markdown", "jsonl"]) await ok(`/api/threads/${threadId}/export?format=${format}`);
      await ok(`/api/threads/${threadId}/export?format=json&branches=all`);
      const bulk = await ok("/api/threads/export");
      expect((await bulk.text()).split("\n").filter(Boolean).map((line) => JSON.parse(line).thread.thread_id)).toContain(threadId);

      // The next turn ends, with a reply or a clear error, and leaves the thread free.
      const turned = await chat(t.url, { message: "and now?", thread_id: threadId });
      const last = turned.events.at(-1)!;
      if (next === "end") expect(last.event).toBe("end");
      else expect(last.data).toMatchObject({ type: "error", code: "model_error", message: expect.stringContaining(next) });
      const waited = await (await ok(`/threads/${threadId}/runs/wait`, json("POST", { assistant_id: "chat", input: { messages: [{ role: "user", content: "and?" }] } }))).json();
      if (next === "end") expect(waited.messages.at(-1)).toMatchObject({ type: "ai", content: "mock reply" });
      else expect(waited.__error__.message).toContain(next);
      expect((await (await ok(`/api/threads/${threadId}`)).json()).status).not.toBe("busy");

      expect((await fetch(`${t.url}/api/threads/${threadId}`, { method: "DELETE" })).status).toBe(204);
      expect((await fetch(`${t.url}/api/threads/${threadId}`)).status).toBe(404);
    });
  });
});
