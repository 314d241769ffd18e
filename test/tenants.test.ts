import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// alice and carol share the tenant acme; bob is in globex.
const ALICE = "key-alice-0001";
const CAROL = "key-carol-0003";
const BOB = "key-bob-000002";
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe("API keys and tenants", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: `${ALICE}:acme:alice, ${BOB}:globex:bob,${CAROL}:acme:carol` } });
  });
  afterAll(() => t.close());

  async function expectUnauthorized(res: Response, detail: RegExp) {
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="threadloom"');
    expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
    expect(await res.json()).toEqual({ type: "about:blank#unauthorized", title: "Unauthorized", status: 401, detail: expect.stringMatching(detail) });
  }

  // No key, a wrong key, a key in the wrong header scheme: all 401, and nothing runs.
  it("refuses requests without a valid key", async () => {
    await expectUnauthorized(await fetch(`${t.url}/api/threads`), /An API key is required/);
    await expectUnauthorized(await fetch(`${t.url}/api/threads`, { headers: bearer("key-mallory-99") }), /not valid/);
    await expectUnauthorized(await fetch(`${t.url}/api/threads`, { headers: { "x-api-key": `${ALICE}x` } }), /not valid/);
    await expectUnauthorized(await fetch(`${t.url}/api/threads`, { headers: { authorization: `Basic ${ALICE}` } }), /An API key is required/);
    await expectUnauthorized(await fetch(`${t.url}/chat?message=hi`), /An API key is required/);
    const posted = await chat(t.url, { message: "hi" });
    expect(posted.status).toBe(401);
    expect(t.mock.requests).toHaveLength(0);
  });

  // Authentication comes before everything else: an unknown route or a bad body does not tell an
  // anonymous caller anything, and its body is not parsed.
  it("answers 401 before routing or body parsing", async () => {
    await expectUnauthorized(await fetch(`${t.url}/api/no-such-route`), /API key is required/);
    const malformed = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" });
    await expectUnauthorized(malformed, /API key is required/);
  });

  it("accepts the key as a Bearer token and as x-api-key", async () => {
    const viaBearer = await fetch(`${t.url}/api/threads`, { headers: bearer(ALICE) });
    const viaHeader = await fetch(`${t.url}/api/threads`, { headers: { "x-api-key": ALICE } });
    expect([viaBearer.status, viaHeader.status]).toEqual([200, 200]);
    expect(await viaHeader.json()).toEqual(await viaBearer.json());
  });

  it("serves /healthz and /readyz without a key", async () => {
    const health = await fetch(`${t.url}/healthz`);
    const ready = await fetch(`${t.url}/readyz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready" }]);
  });

  // Another tenant, and another user of the same tenant, see alice's thread exactly as they would
  // see a thread that does not exist: same status, same wording. Sent to /api/chat, her id is one
  // they have not used yet, so it starts a thread of their own without a word of hers.
  it("hides a thread from other tenants and other users of the same tenant", async () => {
    const created = await chat(t.url, { message: "alice's secret" }, bearer(ALICE));
    expect(created.events.at(-1)!.event).toBe("end");
    const id = created.headers.get("x-thread-id")!;

    for (const key of [BOB, CAROL]) {
      const missing = randomUUID();
      const attempts = [
        [`/api/threads/${id}`, "GET"],
        [`/api/threads/${id}/export?format=markdown`, "GET"],
        [`/api/threads/${id}`, "DELETE"],
      ] as const;
      for (const [path, method] of attempts) {
        const res = await fetch(`${t.url}${path}`, { method, headers: bearer(key) });
        const body = await res.json();
        expect([res.status, body.detail]).toEqual([404, `Thread ${id} was not found.`]);
        const control = await fetch(`${t.url}${path.replace(id, missing)}`, { method, headers: bearer(key) });
        expect((await control.json()).detail).toBe(`Thread ${missing} was not found.`);
      }
      const posted = await chat(t.url, { message: "let me in", thread_id: id }, bearer(key));
      expect([posted.status, posted.headers.get("x-thread-id"), posted.events.at(-1)!.event]).toEqual([200, id, "end"]);
      expect(t.mock.requests.at(-1)!.messages.map((m) => m.content)).not.toContain("alice's secret");
      const listed = await (await fetch(`${t.url}/api/threads`, { headers: bearer(key) })).json();
      const theirs = listed.threads.find((th: { thread_id: string }) => th.thread_id === id);
      expect(theirs).toMatchObject({ client_thread_id: id, title: "let me in" });
      expect(theirs.thread_uuid).not.toBe(id);
    }

    // Alice still has her thread, untouched.
    const mine = await (await fetch(`${t.url}/api/threads/${id}`, { headers: bearer(ALICE) })).json();
    expect(mine.messages.map((m: { content: string }) => m.content)).toEqual(["alice's secret", "mock reply"]);
    const aliceList = await (await fetch(`${t.url}/api/threads`, { headers: bearer(ALICE) })).json();
    expect(aliceList.threads.map((th: { thread_id: string }) => th.thread_id)).toEqual([id]);
  });

  // Ownership is stored as the key's identity, not taken from anything the client sends.
  it("records the tenant and user of the key on the thread", async () => {
    const created = await chat(t.url, { message: "bob here", metadata: { tenant_id: "acme" } }, { "x-api-key": BOB });
    const id = created.headers.get("x-thread-id")!;
    const { rows } = await t.db.pool.query("SELECT tenant_id, user_id FROM threads WHERE thread_id = $1", [id]);
    expect(rows).toEqual([{ tenant_id: "globex", user_id: "bob" }]);
    const runs = await t.db.pool.query("SELECT tenant_id FROM runs WHERE thread_id = $1", [id]);
    expect(runs.rows).toEqual([{ tenant_id: "globex" }]);
  });
});
