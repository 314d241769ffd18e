import path from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MockRequest, MockReply } from "./helpers/mock-openai.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "./helpers/write-manifest.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const KEY = "sk-openai-compat-test";
const EMAIL = { to: "bob@example.com", subject: "Lunch", body: "Noon?" };

// The model e-mails when asked to (a call that waits for approval), computes when asked to
// (the calculator, run at once), answers a tool result by quoting it, and else says what it was sent.
function model(req: MockRequest): MockReply {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: `The result is ${last.content}.` };
  const asked = String(last?.content);
  if (/email/.test(asked)) return { toolCalls: [{ name: "send_email", args: EMAIL }] };
  if (/fail/.test(asked)) return { httpStatus: 500 };
  if (/compute/.test(asked)) return { text: "Let me compute.", toolCalls: [{ id: "call_calc", name: "calculator", args: { expression: "6*7" } }] };
  return { tokens: ["You ", "said: ", asked], usage: { prompt_tokens: 11, completion_tokens: 3 } };
}

/** Rows a stateless run could leave behind, counted over the whole database. */
const TABLES = ["threads", "messages", "runs", "langgraph.checkpoints", "langgraph.checkpoint_writes", "langgraph.checkpoint_blobs"];

describe("OpenAI-compatible chat completions", () => {
  let t: TestService;
  let manifest: WrittenManifest;
  let openai: OpenAI;
  const rows = async () => Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, (await t.db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n])));
  const api = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json", ...init.headers } });
  const modelSaw = () => t.mock.requests.at(-1)!.messages.map((m) => ({ role: m.role, content: m.content }));

  beforeAll(async () => {
    // The chat graph, and one that keeps no messages (it cannot chat).
    manifest = await writeManifest({ graphs: { chat: path.join(HERE, "../graphs/chat.ts:graph"), counter: path.join(HERE, "graphs/counter.ts:graph") } });
    t = await startTestService({ script: model, env: { LANGGRAPH_JSON: manifest.file, API_KEYS: `${KEY}:acme:alice`, SYSTEM_PROMPT: "You are the house assistant." } });
    openai = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await t?.close();
    await manifest?.remove();
  });

  it("lists the graphs and the tenant's assistants as models, and runs one named by its name", async () => {
    const created = await (await api("/api/assistants", { method: "POST", body: JSON.stringify({ graph_id: "chat", name: "Pirate", config: { system_prompt: "Talk like a pirate." } }) })).json();
    const models = [];
    for await (const m of openai.models.list()) models.push(m);
    expect(models.map((m) => m.id)).toEqual(["chat", "counter", created.assistant_id]);
    expect(models[2]).toEqual({ id: created.assistant_id, object: "model", created: expect.any(Number), owned_by: "threadloom", name: "Pirate" });

    const completion = await openai.chat.completions.create({ model: "Pirate", messages: [{ role: "user", content: "ahoy" }] });
    expect(completion.choices[0]!.message.content).toBe("You said: ahoy");
    expect(modelSaw()[0]).toEqual({ role: "system", content: "Talk like a pirate." });
  });

  it("answers without streaming: the whole conversation sent, system prompts in order, usage, and nothing left behind", async () => {
    const before = await rows();
    const { data, response } = await openai.chat.completions
      .create({
        model: "chat", temperature: 0.2, user: "someone", n: 1, max_tokens: 100,
        messages: [
          { role: "system", content: "Answer briefly." },
          { role: "user", content: "my name is Ada" },
          { role: "assistant", content: "Hello Ada" },
          { role: "user", content: [{ type: "text", text: "what is my name?" }] },
        ],
      })
      .withResponse();
    expect(data).toEqual({
      id: expect.stringMatching(/^chatcmpl-[0-9a-f]{32}$/), object: "chat.completion", created: expect.any(Number), model: "chat",
      choices: [{ index: 0, message: { role: "assistant", content: "You said: what is my name?", refusal: null, annotations: [] }, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
    });
    expect(response.headers.get("x-thread-id")).toBeNull();
    // The assistant's own system prompt first, then the request's, then the conversation as sent.
    expect(modelSaw()).toEqual([
      { role: "system", content: "You are the house assistant." },
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "my name is Ada" },
      { role: "assistant", content: "Hello Ada" },
      { role: "user", content: "what is my name?" },
    ]);
    expect(t.mock.requests.at(-1)!.body.temperature).toBe(0.2);
    expect(await rows()).toEqual(before);
  });

  it("streams chunks: the role first, the text, the finish, the usage, then [DONE], and leaves nothing behind", async () => {
    const before = await rows();
    const stream = await openai.chat.completions.create({ model: "chat", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const base = { id: chunks[0]!.id, object: "chat.completion.chunk", created: chunks[0]!.created, model: "chat" };
    const delta = (d: object, finish: string | null = null) => ({ ...base, choices: [{ index: 0, delta: d, logprobs: null, finish_reason: finish }], usage: null });
    expect(chunks).toEqual([
      delta({ role: "assistant", content: "", refusal: null }),
      delta({ content: "You " }), delta({ content: "said: " }), delta({ content: "hi" }),
      delta({}, "stop"),
      { ...base, choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } },
    ]);
    expect(await rows()).toEqual(before);
  });

  it("writes the stream as OpenAI does: data lines only, no usage field unless asked for, [DONE] last", async () => {
    const res = await api("/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "chat", stream: true, messages: [{ role: "user", content: "yo" }] }) });
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const text = await res.text();
    const frames = text.split("\n\n").filter((f) => f !== "" && !f.startsWith(":"));
    expect(frames.every((f) => /^data: [^\n]+$/.test(f))).toBe(true);
    expect(frames.at(-1)).toBe("data: [DONE]");
    const first = JSON.parse(frames[0]!.slice(6));
    expect(Object.keys(first)).toEqual(["id", "object", "created", "model", "choices"]);
    expect(frames.at(-2)).toBe(`data: {"id":"${first.id}","object":"chat.completion.chunk","created":${first.created},"model":"chat","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]}`);
  });

  it("continues a thread named by X-Thread-Id or metadata.thread_id: only the new message is run", async () => {
    const first = await openai.chat.completions
      .create({ model: "chat", messages: [{ role: "system", content: "Be kind." }, { role: "user", content: "remember 42" }] }, { headers: { "X-Thread-Id": "oa-thread-1" } })
      .withResponse();
    expect(first.response.headers.get("x-thread-id")).toBe("oa-thread-1");
    // The history resent by a client is not run again: the thread remembers it.
    const stream = await openai.chat.completions.create(
      { model: "chat", stream: true, messages: [{ role: "user", content: "ignored history" }, { role: "user", content: "what number?" }], metadata: { thread_id: "oa-thread-1" } },
    );
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("You said: what number?");
    expect(modelSaw()).toEqual([
      { role: "system", content: "You are the house assistant." },
      { role: "system", content: "Be kind." },
      { role: "user", content: "remember 42" },
      { role: "assistant", content: "You said: remember 42" },
      { role: "user", content: "what number?" },
    ]);
    const thread = await (await api("/api/threads/oa-thread-1")).json();
    expect(thread.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant"]);
  });

  it("keeps a stateless conversation as a thread with store: true", async () => {
    const { response } = await openai.chat.completions.create({ model: "chat", store: true, metadata: { source: "sdk" }, messages: [{ role: "user", content: "keep me" }] }).withResponse();
    const threadId = response.headers.get("x-thread-id")!;
    expect(threadId).toMatch(/^[0-9a-f-]{36}$/);
    const thread = await (await api(`/api/threads/${threadId}`)).json();
    expect(thread.metadata).toEqual({ source: "sdk" });
    expect(thread.messages.map((m: { content: string }) => m.content)).toEqual(["keep me", "You said: keep me"]);
  });

  it("runs the graph's tools itself: the client sees the text, and the calls too when it asks", async () => {
    const plain = await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "compute 6*7" }] });
    expect(plain.choices[0]!.message).toEqual({ role: "assistant", content: "Let me compute.\n\nThe result is 42.", refusal: null, annotations: [] });

    // The SDK's own stream helper accumulates the tool call delta and the text after it.
    const runner = openai.chat.completions.stream({ model: "chat", messages: [{ role: "user", content: "compute 6*7" }] }, { headers: { "X-Show-Tool-Calls": "true" } });
    const final = await runner.finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("stop");
    expect(final.choices[0]!.message).toMatchObject({ content: "Let me compute.\n\nThe result is 42.", tool_calls: [{ id: "call_calc", function: { name: "calculator", arguments: '{"expression":"6*7"}' } }] });
  });

  it("ends a run that pauses for approval with a short text and the pending calls, and keeps its thread", async () => {
    const stream = await openai.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "email bob about lunch" }] });
    const chunks: any[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const finish = chunks.at(-1);
    const threadId = finish.threadloom.thread_id;
    expect(text).toBe(`Paused: send_email needs your approval before it runs. Answer it on thread ${threadId} (POST /api/chat with "resume", or threadloom's web page).`);
    expect(finish.choices[0].finish_reason).toBe("stop");
    expect(finish.threadloom).toEqual({
      status: "interrupted", thread_id: threadId,
      pending_tool_calls: [{ id: expect.any(String), type: "function", function: { name: "send_email", arguments: JSON.stringify(EMAIL) } }],
      interrupts: [{ id: expect.any(String), value: expect.objectContaining({ action_requests: [expect.objectContaining({ name: "send_email", args: EMAIL })] }) }],
    });
    expect((await (await api(`/api/threads/${threadId}`)).json()).status).toBe("interrupted");
    const resumed = await api("/api/chat", { method: "POST", body: JSON.stringify({ thread_id: threadId, resume: { decisions: [{ type: "reject", message: "no" }] } }) });
    expect(await resumed.text()).toContain('"status":"success"');
  });

  it("tells of a failed run as OpenAI does: a 502 not to be retried, or an error chunk the SDK throws; a stateless one leaves nothing", async () => {
    const before = await rows();
    const res = await api("/v1/chat/completions", { method: "POST", body: JSON.stringify({ model: "chat", messages: [{ role: "user", content: "fail now" }] }) });
    expect({ status: res.status, retry: res.headers.get("x-should-retry") }).toEqual({ status: 502, retry: "false" });
    expect(await res.json()).toEqual({ error: { message: expect.stringMatching(/^The model server at http:\/\/127\.0\.0\.1:\d+ answered with an error \(HTTP 500\)\.$/), type: "run_error", param: null, code: "model_error" } });
    const stream = await openai.chat.completions.create({ model: "chat", stream: true, messages: [{ role: "user", content: "fail again" }] });
    const thrown = await (async () => {
      for await (const _ of stream);
    })().then(() => null, (e) => e);
    expect(thrown).toBeInstanceOf(OpenAI.APIError);
    expect(thrown).toMatchObject({ code: "model_error", message: expect.stringMatching(/answered with an error \(HTTP 500\)/) });
    expect(await rows()).toEqual(before);
  });

  it("refuses what it cannot honour with OpenAI's error shape, and unknown keys", async () => {
    const refused = async (body: object, status: number, param: string | null, message: RegExp) => {
      const err = await openai.chat.completions.create({ model: "chat", messages: [{ role: "user", content: "x" }], ...body } as never).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect({ status: err.status, param: err.param, type: err.type }).toEqual({ status, param, type: "invalid_request_error" });
      expect(err.message).toMatch(message);
    };
    await refused({ tools: [{ type: "function", function: { name: "f" } }] }, 400, "tools", /tools.*graph owns its tools/);
    await refused({ n: 2 }, 400, "n", /must be 1/);
    await refused({ model: "nope" }, 404, "model", /The model `nope` does not exist/);
    await refused({ model: "counter" }, 400, "model", /counter keeps no messages/);
    await refused({ messages: [{ role: "tool", content: "x", tool_call_id: "c" }] }, 400, "messages.0.role", /tool results are not accepted/);

    const raw = await fetch(`${t.url}/v1/chat/completions`, { method: "POST", headers: { authorization: "Bearer wrong", "content-type": "application/json" }, body: "{}" });
    expect(raw.status).toBe(401);
    expect(raw.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await raw.json()).toEqual({ error: { message: "The API key is not valid.", type: "invalid_request_error", param: null, code: "invalid_api_key" } });
    const anonymous = await new OpenAI({ baseURL: `${t.url}/v1`, apiKey: "wrong", maxRetries: 0 }).models.list().then(() => null, (e) => e);
    expect(anonymous).toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
