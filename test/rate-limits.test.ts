import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const ALICE = "key-alice-0001";
const CAROL = "key-carol-0003";
const BOB = "key-bob-000002";
const KEYS = `${ALICE}:acme:alice,${CAROL}:acme:carol,${BOB}:globex:bob`;
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function expectTooMany(res: Response, type: string): Promise<Record<string, unknown>> {
  expect(res.status).toBe(429);
  expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
  const body = await res.json();
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(body).toMatchObject({ type: `about:blank#${type}`, status: 429, retry_after: retryAfter });
  return body;
}

describe("RATE_LIMIT_RPM, shared by two instances on one database", () => {
  let a: TestService;
  let b: TestService;
  beforeAll(async () => {
    a = await startTestService({ env: { API_KEYS: KEYS, RATE_LIMIT_RPM: "5" } });
    b = await startTestService({ env: { API_KEYS: KEYS, RATE_LIMIT_RPM: "5" }, db: a.db, mock: a.mock });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  it("counts an owner's requests on every instance, refuses the sixth with 429 and Retry-After, and not another owner's", async () => {
    // Alice's window pinned an hour ahead, so the minute cannot turn mid-test (her requests count in it).
    await a.db.pool.query("INSERT INTO usage_counters VALUES ('requests', 'acme:alice', now() + interval '1 hour', 0)");

    for (const t of [a, a, a, b, b]) expect((await fetch(`${t.url}/api/threads`, { headers: bearer(ALICE) })).status).toBe(200);
    const refused = await expectTooMany(await fetch(`${b.url}/api/threads`, { headers: bearer(ALICE) }), "rate_limited");
    expect(refused.detail).toMatch(/^More than 5 requests this minute for this API key \(RATE_LIMIT_RPM\); retry in \d+ s\.$/);
    await expectTooMany(await fetch(`${a.url}/api/chat`, { method: "POST", headers: { ...bearer(ALICE), "content-type": "application/json" }, body: '{"message":"hi"}' }), "rate_limited");
    expect(a.mock.requests).toHaveLength(0);

    // Per owner: another user of the same tenant has a minute of their own; health checks are not counted.
    expect((await fetch(`${a.url}/api/threads`, { headers: bearer(CAROL) })).status).toBe(200);
    expect((await fetch(`${b.url}/healthz`)).status).toBe(200);
    const counters = await a.db.pool.query("SELECT subject, count::int FROM usage_counters WHERE scope = 'requests' ORDER BY subject");
    expect(counters.rows).toEqual([{ subject: "acme:alice", count: 7 }, { subject: "acme:carol", count: 1 }]);
  });

  it("starts a new count when a new minute begins", async () => {
    await a.db.pool.query("UPDATE usage_counters SET window_start = now() - interval '2 minutes', count = 99 WHERE subject = 'acme:alice'");
    expect((await fetch(`${b.url}/api/threads`, { headers: bearer(ALICE) })).status).toBe(200);
    const { rows } = await a.db.pool.query("SELECT count::int, window_start > now() - interval '1 minute' AS current FROM usage_counters WHERE subject = 'acme:alice'");
    expect(rows).toEqual([{ count: 1, current: true }]);
  });
});

describe("TOKEN_QUOTA_PER_DAY", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: KEYS, TOKEN_QUOTA_PER_DAY: "20" }, script: { text: "a reply", usage: { prompt_tokens: 11, completion_tokens: 4 } } });
  });
  afterAll(() => t.close());

  const tokensToday = async (tenant: string) =>
    Number((await t.db.pool.query("SELECT count FROM usage_counters WHERE scope = 'tokens' AND subject = $1", [tenant])).rows[0]?.count ?? 0);

  it("refuses a tenant's new runs, native and Agent Server, once its tokens today reach the quota", async () => {
    const first = await chat(t.url, { message: "one" }, bearer(ALICE));
    expect(first.events.at(-1)!.data.usage).toEqual({ input_tokens: 11, output_tokens: 4, total_tokens: 15 });
    expect(await tokensToday("acme")).toBe(15);
    // Under the quota when it starts: the run goes ahead, and may take the tenant past it.
    expect((await chat(t.url, { message: "two" }, bearer(CAROL))).events.at(-1)!.event).toBe("end");
    expect(await tokensToday("acme")).toBe(30);
    const calls = t.mock.requests.length;

    const refused = await chat(t.url, { message: "three" }, bearer(ALICE));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toMatchObject({
      type: "about:blank#quota_exceeded", tokens_used: 30, tokens_per_day: 20,
      detail: "This tenant has used 30 model tokens today, its quota is 20 (TOKEN_QUOTA_PER_DAY): new runs are refused until 00:00 UTC.",
    });
    const threadId = first.headers.get("x-thread-id")!;
    const agentRun = await fetch(`${t.url}/threads/${threadId}/runs/wait`, {
      method: "POST", headers: { ...bearer(ALICE), "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "four" }] } }),
    });
    await expectTooMany(agentRun, "quota_exceeded");
    await expectTooMany(await fetch(`${t.url}/runs/wait`, {
      method: "POST", headers: { ...bearer(CAROL), "content-type": "application/json" },
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "five" }] } }),
    }), "quota_exceeded");
    expect(t.mock.requests.length).toBe(calls);

    // Deleting the threads gives no tokens back; reading goes on; another tenant runs.
    expect((await fetch(`${t.url}/api/threads/${threadId}`, { method: "DELETE", headers: bearer(ALICE) })).status).toBe(204);
    expect((await chat(t.url, { message: "six" }, bearer(ALICE))).status).toBe(429);
    expect((await fetch(`${t.url}/api/threads`, { headers: bearer(ALICE) })).status).toBe(200);
    expect((await chat(t.url, { message: "seven" }, bearer(BOB))).events.at(-1)!.event).toBe("end");
    expect(await tokensToday("globex")).toBe(15);
    // No request limit configured: no request is counted.
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM usage_counters WHERE scope = 'requests'")).rows[0].n).toBe(0);
  });
});
