import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { expectProblem } from "./helpers/problem.js";


const post = (url: string, body: string, contentType = "application/json") =>
  fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": contentType }, body });

describe("bad input", () => {
  let t: TestService;
  let threadId: string;
  let listing: unknown;
  const list = async () => (await fetch(`${t.url}/api/threads`)).json();
  const threadCount = async () => Number((await t.db.pool.query("SELECT count(*) FROM threads")).rows[0].count);

  beforeAll(async () => {
    t = await startTestService({ env: { MAX_MESSAGE_CHARS: "50" } });
    threadId = (await chat(t.url, { message: "the one good thread" })).headers.get("x-thread-id")!;
    listing = await list();
  });
  afterAll(() => t.close());
  // Every rejected request leaves the thread list (and the table behind it) exactly as it was.
  afterEach(async () => {
    expect(await list()).toEqual(listing);
    expect(await threadCount()).toBe(1);
    expect(t.mock.requests).toHaveLength(1);
  });

  describe("POST /api/chat", () => {
    // Found by the fuzz (test/fuzz): these were 400s naming no field.
    it("names content-encoding or content-type when the body is not encoded as they say", async () => {
      const send = (headers: Record<string, string>) => fetch(`${t.url}/api/chat`, { method: "POST", headers, body: '{"message":"hi"}' });
      const cases: [Record<string, string>, RegExp, string][] = [
        [{ "content-type": "application/json", "content-encoding": "gzip" }, /Content-Encoding/, "content-encoding"],
        [{ "content-type": "application/json", "content-encoding": "br" }, /Content-Encoding/, "content-encoding"],
        [{ "content-type": "application/json", "content-encoding": "bogus" }, /unsupported content encoding/, "content-encoding"],
        [{ "content-type": "application/json; charset=latin1" }, /unsupported charset/, "content-type"],
      ];
      for (const [headers, detail, field] of cases) {
        const body = await expectProblem(await send(headers), 400, detail);
        expect(body.invalid_params.map((p: { name: string }) => p.name)).toEqual([field]);
      }
    });

    // A body that is not JSON is the client's fault, not a 500.
    it("rejects malformed JSON", async () => {
      const body = await expectProblem(await post(t.url, '{"message": "hi"'), 400, /not valid JSON/);
      expect(body.invalid_params).toEqual([{ name: "body", reason: "malformed JSON" }]);
    });

    it("rejects a missing message", async () => {
      const body = await expectProblem(await post(t.url, "{}"), 400, /^Invalid body: message: /);
      expect(body.invalid_params).toEqual([{ name: "message", reason: expect.stringContaining("expected string") }]);
    });

    // Whitespace only counts as empty.
    it("rejects an empty message", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "  \n " })), 400, /message: must not be empty/);
      expect(body.invalid_params).toEqual([{ name: "message", reason: "must not be empty" }]);
    });

    it("rejects a message over MAX_MESSAGE_CHARS", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "x".repeat(51) })), 400, /message/);
      expect(body.invalid_params).toEqual([{ name: "message", reason: "must be at most 50 characters" }]);
    });

    it("rejects an unknown body field", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "hi", temprature: 1 })), 400, /temprature: unknown field/);
      expect(body.invalid_params).toEqual([{ name: "temprature", reason: "unknown field" }]);
    });

    it("rejects a thread_id outside the id rules", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "hi", thread_id: "../thread-1" })), 400, /thread_id/);
      expect(body.invalid_params).toEqual([{ name: "thread_id", reason: "must be 1 to 128 letters, digits, -, _, . or :, starting with a letter or a digit" }]);
    });

    // A thread_id not used yet starts a thread, but only with a message: there is no checkpoint to branch from.
    it("answers 404 for a checkpoint_id with a thread_id not used yet", async () => {
      await expectProblem(await post(t.url, JSON.stringify({ message: "hi", thread_id: "fresh-1", checkpoint_id: randomUUID() })), 404, /^Thread fresh-1 was not found\.$/);
    });

    it("answers 404 for an unknown assistant_id", async () => {
      await expectProblem(await post(t.url, JSON.stringify({ message: "hi", assistant_id: "nope" })), 404, /^No assistant found for "nope"\. .* \(graphs: chat, draft\)\.$/);
    });

    // A checkpoint only means something within its thread.
    it("rejects a checkpoint_id without a thread_id", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "hi", checkpoint_id: randomUUID() })), 400, /checkpoint_id needs the thread_id/);
      expect(body.invalid_params).toEqual([{ name: "checkpoint_id", reason: "requires thread_id" }]);
    });

    it("answers 404 for a checkpoint_id the thread does not have", async () => {
      const missing = randomUUID();
      await expectProblem(await post(t.url, JSON.stringify({ message: "hi", thread_id: threadId, checkpoint_id: missing })), 404, new RegExp(`Checkpoint ${missing} was not found`));
    });

    it("rejects a bad on_disconnect value", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "hi", on_disconnect: "explode" })), 400, /on_disconnect/);
      expect(body.invalid_params).toEqual([{ name: "on_disconnect", reason: expect.stringMatching(/"continue"\|"cancel"/) }]);
    });

    it("answers 413 for a body larger than the JSON parser accepts", async () => {
      await expectProblem(await post(t.url, JSON.stringify({ message: "x".repeat(1_100_000) })), 413, /larger than this service accepts/);
    });

    // Without this check a text/plain body is silently ignored and the client is told the message is missing.
    it("rejects a body that is not JSON by content type", async () => {
      const body = await expectProblem(await post(t.url, JSON.stringify({ message: "hi" }), "text/plain"), 400, /must be application\/json, not text\/plain/);
      expect(body.invalid_params).toEqual([{ name: "content-type", reason: "must be application/json" }]);
    });

    // PostgreSQL cannot store U+0000 in text or jsonb: accepted, it would stream fine and then fail
    // to be mirrored, leaving the thread busy and empty for good.
    it.each([
      ["message", { message: "a\u0000b" }],
      ["metadata", { message: "hi", metadata: { note: { deep: ["x\u0000"] } } }],
      ["metadata", { message: "hi", metadata: { "k\u0000": 1 } }],
      ["checkpoint_id", { message: "hi", checkpoint_id: "1\u0000" }],
    ])("rejects a NUL character in %s", async (name, input) => {
      const body = await expectProblem(await post(t.url, JSON.stringify(input)), 400, new RegExp(name));
      expect(body.invalid_params).toEqual([{ name, reason: "must not contain NUL (U+0000) characters" }]);
    });

    // A JSON value that is not an object names the body itself.
    it("rejects a JSON array body", async () => {
      const body = await expectProblem(await post(t.url, "[1]"), 400, /^Invalid body: body: /);
      expect(body.invalid_params).toEqual([{ name: "body", reason: expect.stringContaining("expected object") }]);
    });
  });

  describe("GET /chat", () => {
    it("rejects a missing message", async () => {
      const body = await expectProblem(await fetch(`${t.url}/chat`), 400, /^Invalid query: message: /);
      expect(body.invalid_params).toEqual([{ name: "message", reason: expect.stringContaining("expected string") }]);
    });

    it("rejects an unknown query parameter", async () => {
      const body = await expectProblem(await fetch(`${t.url}/chat?message=hi&metadata=x`), 400, /metadata: unknown field/);
      expect(body.invalid_params).toEqual([{ name: "metadata", reason: "unknown field" }]);
    });

    it("rejects a NUL character in the message", async () => {
      const body = await expectProblem(await fetch(`${t.url}/chat?message=a%00b`), 400, /message/);
      expect(body.invalid_params).toEqual([{ name: "message", reason: "must not contain NUL (U+0000) characters" }]);
    });

    it("rejects a message given twice", async () => {
      const body = await expectProblem(await fetch(`${t.url}/chat?message=a&message=b`), 400, /message/);
      expect(body.invalid_params.map((p: { name: string }) => p.name)).toEqual(["message"]);
    });
  });

  describe("threads API", () => {
    it.each(["abc", "0", "101", "1.5"])("rejects limit=%s", async (limit) => {
      const body = await expectProblem(await fetch(`${t.url}/api/threads?limit=${limit}`), 400, /limit/);
      expect(body.invalid_params).toEqual([{ name: "limit", reason: expect.any(String) }]);
    });

    // Cursors are opaque: garbage, and well-formed JSON the database would choke on, are both a 400.
    it.each([
      ["garbage", "not-a-cursor"],
      ["a non-UUID id", Buffer.from(JSON.stringify(["2026-01-01 00:00:00+00", "-".repeat(36)])).toString("base64url")],
      ["an impossible date", Buffer.from(JSON.stringify(["2026-02-30 00:00:00+00", randomUUID()])).toString("base64url")],
      ["a non-array", Buffer.from(JSON.stringify({ at: "2026-01-01" })).toString("base64url")],
    ])("rejects a forged cursor (%s)", async (_name, cursor) => {
      const body = await expectProblem(await fetch(`${t.url}/api/threads?cursor=${cursor}`), 400, /cursor/);
      expect(body.invalid_params).toEqual([{ name: "cursor", reason: "malformed" }]);
    });

    it.each(["GET", "DELETE"])("%s /api/threads/:id rejects an id outside the id rules", async (method) => {
      const body = await expectProblem(await fetch(`${t.url}/api/threads/not%20an%20id`, { method }), 400, /id: must be 1 to 128/);
      expect(body.invalid_params).toEqual([{ name: "id", reason: "must be 1 to 128 letters, digits, -, _, . or :, starting with a letter or a digit" }]);
    });

    it.each(["GET", "DELETE"])("%s /api/threads/:id answers 404 for an unknown id", async (method) => {
      const id = randomUUID();
      await expectProblem(await fetch(`${t.url}/api/threads/${id}`, { method }), 404, new RegExp(`Thread ${id} was not found`));
    });

    it("rejects an unknown export format", async () => {
      const body = await expectProblem(await fetch(`${t.url}/api/threads/${threadId}/export?format=pdf`), 400, /format/);
      expect(body.invalid_params).toEqual([{ name: "format", reason: expect.stringMatching(/"json"\|"markdown"\|"jsonl"/) }]);
    });
  });

  it("answers an unknown route with a 404 problem", async () => {
    await expectProblem(await fetch(`${t.url}/api/nothing-here`), 404, /No route for GET \/api\/nothing-here/);
    await expectProblem(await fetch(`${t.url}/api/threads`, { method: "PUT" }), 404, /No route for PUT \/api\/threads/);
  });

  // A broken percent-escape in the path is the client's fault, not a 500.
  it("rejects a malformed percent-escape in the path", async () => {
    await expectProblem(await fetch(`${t.url}/api/threads/%E0%A4%A`), 400, /path/i);
  });
});

// Each of these once answered 500 (found by fuzzing): now a 400 naming what was wrong, and nothing stored.
describe("bad input found by fuzzing", () => {
  let t: TestService;
  let threadId: string;
  let messageId: string;
  beforeAll(async () => {
    t = await startTestService();
    threadId = (await chat(t.url, { message: "hello" })).headers.get("x-thread-id")!;
    messageId = (await (await fetch(`${t.url}/api/threads/${threadId}`)).json()).messages[0].id;
  });
  afterAll(() => t.close());

  const send = (method: string, path: string, body: string) => fetch(`${t.url}${path}`, { method, headers: { "content-type": "application/json" }, body });
  const nested = (depth: number) => `${"[".repeat(depth - 1)}1${"]".repeat(depth - 1)}`;
  const DEEP_REASON = "must not nest objects and arrays more than 64 levels deep";

  // A 10,000-level body used to overflow the stack in the NUL check; any body past 64 levels is refused.
  it.each([
    ["POST", "/api/chat", (v: string) => `{"message":"hi","metadata":{"a":${v}}}`],
    ["POST", "/threads", (v: string) => `{"metadata":{"a":${v}}}`],
    ["POST", "/threads/search", (v: string) => `{"metadata":{"a":${v}}}`],
    ["POST", "/runs/wait", (v: string) => `{"assistant_id":"chat","input":{"messages":${v}}}`],
    ["POST", "/api/threads/import", (v: string) => `{"thread":{"graph_id":"chat","metadata":{"a":${v}}},"messages":[]}`],
    ["POST", "/assistants", (v: string) => `{"graph_id":"chat","metadata":{"a":${v}}}`],
  ])("%s %s refuses JSON nested too deep", async (method, path, body) => {
    const threads = await t.db.pool.query("SELECT count(*)::int AS n FROM threads");
    for (const depth of [10_000, 100]) {
      const res = await expectProblem(await send(method, path, body(nested(depth))), 400, /body: must not nest/);
      expect(res.invalid_params).toEqual([{ name: "body", reason: DEEP_REASON }]);
    }
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM threads")).rows).toEqual(threads.rows);
  });

  // Body, metadata, then 62 arrays: 64 levels pass; one more is refused.
  it("accepts JSON nested 64 levels deep, not 65", async () => {
    const res = await send("POST", "/threads", `{"metadata":{"a":${nested(63)}}}`);
    expect(res.status).toBe(200);
    await fetch(`${t.url}/threads/${(await res.json()).thread_id}`, { method: "DELETE" });
    await expectProblem(await send("POST", "/threads", `{"metadata":{"a":${nested(64)}}}`), 400, /body: must not nest/);
  });

  // "\ud800" parses as JSON but is not Unicode: jsonb refuses it, so each was a 500 from PostgreSQL.
  const SURROGATE = "must not contain unpaired UTF-16 surrogates (such as \\ud800): that is not Unicode text";
  it.each([
    ["POST", "/threads", '{"metadata":{"note":"\\ud800"}}', "metadata.note"],
    ["POST", "/threads", '{"metadata":{"\\udc00":1}}', "metadata.\udc00"],
    ["POST", "/threads/search", '{"metadata":{"a":"x\\ud800"}}', "metadata.a"],
    ["POST", "/threads/count", '{"metadata":{"a":"\\ud800y"}}', "metadata.a"],
    ["POST", "/assistants/search", '{"metadata":{"a":"\\ud800"}}', "metadata.a"],
    ["POST", "/runs", '{"assistant_id":"chat","input":{"messages":[{"role":"user","content":"\\ud800"}]}}', "input.messages.0.content"],
    ["POST", "/runs/wait", '{"assistant_id":"chat","metadata":{"k":["\\udfff"]}}', "metadata.k.0"],
    ["POST", "/assistants", '{"graph_id":"chat","name":"\\ud800"}', "name"],
    ["POST", "/assistants", '{"graph_id":"chat","config":{"configurable":{"system_prompt":"\\ud800"}}}', "config.configurable.system_prompt"],
    ["POST", "/api/assistants", '{"graph_id":"chat","name":"x","config":{"system_prompt":"\\ud800"}}', "config.system_prompt"],
    ["POST", "/api/chat", '{"message":"hi \\ud800"}', "message"],
    ["POST", "/api/chat", '{"message":"hi","metadata":{"a":"\\ud800"}}', "metadata.a"],
    ["POST", "/api/threads/import", '{"thread":{"graph_id":"chat"},"messages":[{"id":"a","role":"user","content":"\\ud800"}]}', "messages.0.content"],
  ])("%s %s refuses a lone surrogate: %s", async (method, path, body, name) => {
    const res = await expectProblem(await send(method, path, body), 400, /unpaired UTF-16 surrogates/);
    expect(res.invalid_params).toEqual([{ name, reason: SURROGATE }]);
  });

  it("refuses a lone surrogate in a thread's metadata, by PATCH too", async () => {
    const agent = await expectProblem(await send("PATCH", `/threads/${threadId}`, '{"metadata":{"a":"\\ud800"}}'), 400, /surrogates/);
    const native = await expectProblem(await send("PATCH", `/api/threads/${threadId}`, '{"metadata":{"a":"\\ud800"}}'), 400, /surrogates/);
    expect([agent.invalid_params, native.invalid_params]).toEqual([[{ name: "metadata.a", reason: SURROGATE }], [{ name: "metadata.a", reason: SURROGATE }]]);
  });

  it("refuses a lone surrogate in a metadata filter of the thread list", async () => {
    const res = await expectProblem(await fetch(`${t.url}/api/threads?metadata=${encodeURIComponent('{"a":"\\ud800"}')}`), 400, /metadata/);
    expect(res.invalid_params).toEqual([{ name: "metadata", reason: "must not contain unpaired UTF-16 surrogates (such as \\ud800)" }]);
  });

  // A message id is stored as text, which cannot hold NUL.
  it.each([
    ["POST", "/api/threads/:id/head", JSON.stringify({ message_id: "a\u0000b" }), "message_id"],
    ["POST", "/api/threads/:id/messages/a%00b/edit", JSON.stringify({ content: "x" }), "message_id"],
    ["POST", "/api/threads/:id/messages/a%00b/regenerate", "{}", "message_id"],
  ])("%s %s refuses NUL in the message id", async (method, path, body, name) => {
    const res = await expectProblem(await send(method, path.replace(":id", threadId), body), 400, /NUL/);
    expect(res.invalid_params).toEqual([{ name, reason: "must not contain NUL (U+0000) characters" }]);
  });

  it("still answers 404 for a message id the thread does not have", async () => {
    await expectProblem(await send("POST", `/api/threads/${threadId}/head`, JSON.stringify({ message_id: "nope" })), 404, /Message nope was not found/);
    expect((await send("POST", `/api/threads/${threadId}/head`, JSON.stringify({ message_id: messageId }))).status).toBe(200);
  });

  // Date.parse takes "GMT+9999" and "+99"; PostgreSQL knows no such time zone or offset.
  it.each(["2026-01-01 00:00:00 GMT+9999", "2026-01-01 00:00:00+99", "Jan 1 2026 GMT+1560"])("refuses a cursor whose time zone PostgreSQL does not know (%s)", async (at) => {
    const cursor = Buffer.from(JSON.stringify([at, randomUUID()])).toString("base64url");
    for (const path of [`/api/threads?cursor=${cursor}`, `/api/assistants?cursor=${cursor}`]) {
      const res = await expectProblem(await fetch(`${t.url}${path}`), 400, /cursor/);
      expect(res.invalid_params).toEqual([{ name: "cursor", reason: "malformed" }]);
    }
  });

  it("refuses messages: [null] in a state update", async () => {
    const res = await expectProblem(await send("POST", `/threads/${threadId}/state`, JSON.stringify({ values: { messages: [null] }, as_node: "agent" })), 400, /values\.messages\.0/);
    expect(res.invalid_params).toEqual([{ name: "values.messages.0", reason: 'must be a message: a string, or an object with "type" (or "role") and "content"' }]);
  });
});
