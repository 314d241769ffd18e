import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectMirrorMatchesCheckpoint } from "./helpers/checkpoint-state.js";
import { chat, readSse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

/** An export with what may differ after a round trip removed: thread and checkpoint ids, times. */
function comparable(doc: { thread: Record<string, unknown>; messages: Record<string, unknown>[] }) {
  const { thread_id, thread_uuid, head_checkpoint_id, created_at, updated_at, ...thread } = doc.thread;
  void thread_id, void thread_uuid, void head_checkpoint_id, void created_at, void updated_at;
  return { ...doc, thread, messages: doc.messages.map(({ checkpoint_id, created_at: _at, ...m }) => (void checkpoint_id, m)) };
}

describe("thread import", () => {
  let t: TestService;
  const get = async (path: string) => (await fetch(`${t.url}${path}`)).json();
  const importDoc = (doc: unknown) => fetch(`${t.url}/api/threads/import`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(doc) });
  const threadCount = async () => Number((await t.db.pool.query("SELECT count(*) FROM threads")).rows[0].count);

  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  // export (all branches) → import → export gives the same document apart from ids and times.
  it("round-trips a branched thread with tool calls, usage and metadata", async () => {
    t.mock.script([{ toolCalls: [{ id: "call_1", name: "calculator", args: { expression: "2+2" } }] }, { text: "It is 4." }, { text: "Second answer." }, { text: "Edited answer." }]);
    const threadId = (await chat(t.url, { message: "what is 2+2?", metadata: { source: "test" } })).headers.get("x-thread-id")!;
    await chat(t.url, { message: "and again?", thread_id: threadId });
    const messages = (await get(`/api/threads/${threadId}`)).messages;
    await readSse(await fetch(`${t.url}/api/threads/${threadId}/messages/${messages[4].id}/edit`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content: "and once more?" }) }));
    const original = await get(`/api/threads/${threadId}/export?format=json&branches=all`);
    expect(original.messages).toHaveLength(8);

    const res = await importDoc(original);
    expect(res.status).toBe(201);
    const imported = await res.json();
    expect(res.headers.get("location")).toBe(`/api/threads/${imported.thread_id}`);
    expect(imported.thread_id).not.toBe(threadId);
    const again = await get(`/api/threads/${imported.thread_id}/export?format=json&branches=all`);
    expect(comparable(again)).toEqual(comparable(original));
    expect((await get(`/api/threads/${imported.thread_id}`)).messages.map((m: { siblings: unknown }) => m.siblings)).toEqual(
      (await get(`/api/threads/${threadId}`)).messages.map((m: { siblings: unknown }) => m.siblings),
    );
    await expectMirrorMatchesCheckpoint(t.db.pool, imported.thread_id);

    // The imported thread goes on: the model is sent its head branch.
    t.mock.script({ text: "continued" });
    const next = await chat(t.url, { message: "continue", thread_id: imported.thread_id });
    expect(next.events.at(-1)!.data.status).toBe("success");
    expect(t.mock.requests.at(-1)!.messages.map((m: { role: string }) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "user", "assistant", "user"]);
  });

  it("imports a head-branch export", async () => {
    t.mock.script({ text: "hello back" });
    const threadId = (await chat(t.url, { message: "hello" })).headers.get("x-thread-id")!;
    const original = await get(`/api/threads/${threadId}/export?format=json`);
    const imported = await (await importDoc(original)).json();
    expect(comparable(await get(`/api/threads/${imported.thread_id}/export?format=json`))).toEqual(comparable(original));
  });

  // A bad document is a 4xx naming what is wrong, and leaves no thread behind.
  it("refuses bad documents without leaving a thread", async () => {
    const before = await threadCount();
    const user = { id: "u1", role: "user", content: "hi" };
    const cases: [unknown, number, RegExp][] = [
      [{ thread: { graph_id: "chat" } }, 400, /messages/],
      [{ thread: { graph_id: "chat" }, messages: [] }, 400, /messages/],
      [{ thread: { graph_id: "nope" }, messages: [user] }, 404, /nope/],
      [{ thread: { graph_id: "chat" }, messages: [user, user] }, 400, /appears twice/],
      [{ thread: { graph_id: "chat" }, messages: [user, { id: "t1", role: "tool", content: "x" }] }, 400, /tool_call_id/],
      [{ thread: { graph_id: "chat" }, messages: [{ ...user, parent_id: null }, { id: "a", role: "assistant", content: "x", parent_id: "zz" }] }, 400, /one chain/],
      [{ thread: { graph_id: "chat" }, messages: [{ ...user, content: "a\u0000b" }] }, 400, /NUL/],
    ];
    for (const [doc, status, detail] of cases) {
      const res = await importDoc(doc);
      const body = await res.json();
      expect({ status: res.status, type: res.headers.get("content-type") }).toEqual({ status, type: "application/problem+json; charset=utf-8" });
      expect(body.detail).toMatch(detail);
    }
    expect(await threadCount()).toBe(before);
  });

  // Found by the fuzz (test/fuzz): zlib's error for bytes that do not inflate was a 500.
  it("refuses a body that is not in the format its Content-Encoding names, as a 400 naming content-encoding", async () => {
    const doc = JSON.stringify({ thread: { graph_id: "chat" }, messages: [{ id: "u1", role: "user", content: "hi" }] });
    for (const encoding of ["gzip", "deflate", "br"]) {
      const res = await fetch(`${t.url}/api/threads/import`, { method: "POST", headers: { "content-type": "application/json", "content-encoding": encoding }, body: doc });
      const body = await res.json();
      expect({ status: res.status, type: res.headers.get("content-type"), fields: body.invalid_params }).toEqual({
        status: 400, type: "application/problem+json; charset=utf-8", fields: [{ name: "content-encoding", reason: `the body does not inflate as ${encoding}` }],
      });
    }
  });
});

describe("thread import across tenants", () => {
  // An import belongs to whoever imports it; the thread it came from stays its owner's.
  it("gives the imported thread to the importer only", async () => {
    const t = await startTestService({ env: { API_KEYS: "key-aaaaaaaa:tenantA:alice,key-bbbbbbbb:tenantB:bob" }, script: { text: "hi" } });
    try {
      const alice = { authorization: "Bearer key-aaaaaaaa", "content-type": "application/json" };
      const bob = { authorization: "Bearer key-bbbbbbbb", "content-type": "application/json" };
      const threadId = (await chat(t.url, { message: "mine" }, { authorization: alice.authorization })).headers.get("x-thread-id")!;
      const exported = await (await fetch(`${t.url}/api/threads/${threadId}/export?format=json&branches=all`, { headers: alice })).json();
      const imported = await fetch(`${t.url}/api/threads/import`, { method: "POST", headers: bob, body: JSON.stringify(exported) });
      expect(imported.status).toBe(201);
      const copy = (await imported.json()).thread_id;
      expect((await fetch(`${t.url}/api/threads/${copy}`, { headers: bob })).status).toBe(200);
      expect((await fetch(`${t.url}/api/threads/${copy}`, { headers: alice })).status).toBe(404);
      expect((await fetch(`${t.url}/api/threads/${threadId}`, { headers: bob })).status).toBe(404);
      expect((await fetch(`${t.url}/api/threads/import`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(exported) })).status).toBe(401);
    } finally {
      await t.close();
    }
  });
});
