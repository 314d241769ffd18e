import { randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** Asserts an RFC 9457 problem response and returns its body for further checks. */
async function expectProblem(res: Response, status: number, detail: RegExp): Promise<any> {
  const body = await res.json();
  expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status, type: "application/problem+json; charset=utf-8" });
  expect(body).toMatchObject({ type: expect.stringMatching(/^about:blank#[a-z_]+$/), title: expect.any(String), status, detail: expect.stringMatching(detail) });
  return body;
}

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
      await expectProblem(await post(t.url, JSON.stringify({ message: "hi", assistant_id: "nope" })), 404, /"nope" was not found. Known graphs: chat, draft/);
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
