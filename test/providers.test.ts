import { randomBytes, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "./helpers/problem.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// alice is in acme, bob in globex.
const ALICE = "key-alice-prov01";
const BOB = "key-bob-prov0002";
const API_KEY = "sk-provider-secret-Zx81Qm7Tq9Lw";
const API_KEY_2 = "sk-second-secret-Pv56Rn2Hk4Yd";
const HEADER_VALUE = "org-header-secret-5521";
const SECRETS = [API_KEY, API_KEY_2, HEADER_VALUE];

describe("model providers: /api/providers", () => {
  let t: TestService;
  /** Every response body and header the tests got, searched for the secrets at the end. */
  const seen: string[] = [];
  /** The service's log lines, at debug level. */
  const logLines: string[] = [];

  async function api(key: string, method: string, path: string, body?: unknown, url = t.url): Promise<Response> {
    const res = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push(`${res.status} ${JSON.stringify([...res.headers])} ${text}`);
    return new Response(text || null, { status: res.status, headers: res.headers });
  }
  const json = async (res: Response, status: number) => {
    expect(res.status, await res.clone().text()).toBe(status);
    return res.json();
  };
  const create = async (body: Record<string, unknown>, key = ALICE) => json(await api(key, "POST", "/api/providers", { base_url: "https://models.example.com/v1", ...body }), 201);

  beforeAll(async () => {
    const logger = pino({ level: "debug" }, new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));
    t = await startTestService({ env: { API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob`, SECRETS_KEY: randomBytes(32).toString("base64") }, logger });
  });
  afterAll(async () => {
    await t.close();
    // Across every test of the file: no answer and no log line carried a secret.
    expect(seen.length).toBeGreaterThan(20);
    for (const secret of SECRETS) {
      expect(seen.filter((s) => s.includes(secret)), `a response held ${secret}`).toEqual([]);
      expect(logLines.filter((s) => s.includes(secret)), `a log line held ${secret}`).toEqual([]);
    }
  });

  it("creates, lists, reads, changes and deletes a provider, showing only the key's last 4 characters and the headers' names", async () => {
    const res = await api(ALICE, "POST", "/api/providers", {
      name: "local-vllm", base_url: "https://models.example.com/v1/", api_key: API_KEY, default_model: "qwen2.5", headers: { "X-Org": HEADER_VALUE }, metadata: { team: "a" },
    });
    const created = await json(res.clone(), 201);
    expect(res.headers.get("location")).toBe(`/api/providers/${created.provider_id}`);
    expect(created).toEqual({
      provider_id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: "local-vllm", kind: "openai-compatible", base_url: "https://models.example.com/v1",
      default_model: "qwen2.5", timeout_ms: 60000, api_key: { set: true, last4: "q9Lw" }, headers: ["X-Org"], metadata: { team: "a" },
      created_at: expect.any(String), updated_at: expect.any(String),
    });
    await create({ name: "another", timeout_ms: 5000 });

    const listed = await json(await api(ALICE, "GET", "/api/providers"), 200);
    expect(listed.providers.map((p: { name: string }) => p.name)).toEqual(["another", "local-vllm"]);
    expect(listed.providers[0]).toMatchObject({ api_key: { set: false, last4: null }, headers: [], default_model: null, timeout_ms: 5000 });
    expect(await json(await api(ALICE, "GET", `/api/providers/${created.provider_id}`), 200)).toEqual(created);

    const path = `/api/providers/${created.provider_id}`;
    const newKey = await json(await api(ALICE, "PATCH", path, { api_key: API_KEY_2, default_model: null }), 200);
    expect(newKey).toMatchObject({ api_key: { set: true, last4: "k4Yd" }, default_model: null, headers: ["X-Org"], name: "local-vllm" });
    expect(await t.service.providers.connection("acme", created.provider_id)).toMatchObject({ apiKey: API_KEY_2, headers: { "X-Org": HEADER_VALUE } });
    const cleared = await json(await api(ALICE, "PATCH", path, { api_key: null, headers: {} }), 200);
    expect(cleared).toMatchObject({ api_key: { set: false, last4: null }, headers: [] });
    expect(await t.service.providers.connection("acme", created.provider_id)).toMatchObject({ apiKey: undefined, headers: {} });
    await expectProblem(await api(ALICE, "PATCH", path, {}), 400, /nothing to update/);

    expect((await api(ALICE, "DELETE", path)).status).toBe(204);
    await expectProblem(await api(ALICE, "GET", path), 404, /was not found/);
    await expectProblem(await api(ALICE, "DELETE", path), 404, /was not found/);
  });

  it("refuses Host, Authorization and connection headers (any case), naming the header, never echoing a value", async () => {
    for (const name of ["Host", "authorization", "AUTHORIZATION", "Content-Length", "transfer-encoding", "Connection"]) {
      const problem = await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "h", base_url: "https://x.example.com/v1", headers: { [name]: HEADER_VALUE } }), 400, new RegExp(`headers\\.${name}: cannot be set`));
      expect(problem.invalid_params).toEqual([{ name: `headers.${name}`, reason: expect.stringMatching(/^cannot be set: /) }]);
    }
    await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "h", base_url: "https://x.example.com/v1", headers: { "X-A": `${HEADER_VALUE}\r\nX-Injected: 1` } }), 400, /headers\.X-A: value must be/);
    await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "h", base_url: "https://x.example.com/v1", headers: { "x-a": "1", "X-A": "2" } }), 400, /is given twice/);
    const p = await create({ name: "patched-headers" });
    await expectProblem(await api(ALICE, "PATCH", `/api/providers/${p.provider_id}`, { headers: { Host: "evil.example.com" } }), 400, /headers\.Host: cannot be set/);
  });

  // The JSON parser's own message would quote the start of the key.
  it("answers a body that is not JSON without quoting any of it", async () => {
    const res = await fetch(`${t.url}/api/providers`, { method: "POST", headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" }, body: `{"name": "x", "api_key": ${API_KEY}}` });
    const problem = await expectProblem(res, 400, /^The request body is not valid JSON\.$/);
    expect(JSON.stringify(problem)).not.toContain(API_KEY.slice(0, 6));
  });

  it.each([
    ["ftp://x.example.com/v1", /base_url: must be an http or https URL/],
    ["models.example.com/v1", /base_url: must be an absolute http\(s\) URL/],
    [`https://user:${API_KEY}@x.example.com/v1`, /base_url: must not hold a user name or password/],
    ["https://x.example.com/v1?key=1", /base_url: must not have a query/],
  ])("refuses base_url %s", async (base_url, detail) => {
    await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "u", base_url }), 400, detail);
  });

  it("refuses a name used already (409), on create and on rename", async () => {
    await create({ name: "dup" });
    const problem = await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "dup", base_url: "https://x.example.com/v1", api_key: API_KEY }), 409, /A provider named "dup" already exists/);
    expect(problem.type).toBe("about:blank#conflict");
    const other = await create({ name: "dup-2" });
    await expectProblem(await api(ALICE, "PATCH", `/api/providers/${other.provider_id}`, { name: "dup" }), 409, /"dup" already exists/);
    // Names are per tenant: another tenant may use it.
    await create({ name: "dup" }, BOB);
  });

  it("answers another tenant's provider exactly as one that does not exist, and a malformed id as 404 too", async () => {
    const p = await create({ name: "alice-only", api_key: API_KEY });
    const strip = (body: unknown) => JSON.stringify(body).replaceAll(p.provider_id, "<id>");
    for (const [method, body] of [["GET", undefined], ["PATCH", { name: "taken" }], ["DELETE", undefined]] as const) {
      const theirs = await api(BOB, method, `/api/providers/${p.provider_id}`, body);
      const nobody = randomUUID();
      const missing = await api(BOB, method, `/api/providers/${nobody}`, body);
      expect(theirs.status).toBe(404);
      expect(strip(await theirs.json())).toBe(JSON.stringify(await missing.json()).replaceAll(nobody, "<id>"));
    }
    expect((await json(await api(BOB, "GET", "/api/providers"), 200)).providers.map((x: { name: string }) => x.name)).not.toContain("alice-only");
    await expectProblem(await api(ALICE, "GET", "/api/providers/not-a-uuid"), 404, /provider ids are UUIDs/);
    expect(await json(await api(ALICE, "GET", `/api/providers/${p.provider_id}`), 200)).toMatchObject({ name: "alice-only" });
  });

  it("stores only ciphertext: the key and header values are nowhere in the row, as text or as bytes", async () => {
    const p = await create({ name: "sealed", api_key: API_KEY, headers: { "X-Org": HEADER_VALUE } });
    const { rows } = await t.db.pool.query("SELECT p::text AS text, convert_to(p::text, 'UTF8') AS bytes, secrets FROM providers p WHERE provider_id = $1", [p.provider_id]);
    const row = rows[0];
    for (const secret of [API_KEY, HEADER_VALUE]) {
      const bytes = Buffer.from(secret);
      expect(row.text).not.toContain(secret);
      expect((row.bytes as Buffer).includes(bytes)).toBe(false);
      expect(row.text).not.toContain(bytes.toString("base64").slice(0, 16));
      expect(row.text).not.toContain(bytes.toString("hex").slice(0, 16));
    }
    // Each value sealed on its own, with the id of the key that sealed it beside it.
    expect(row.secrets).toEqual({
      api_key: { kid: expect.stringMatching(/^[0-9a-f]{16}$/), iv: expect.any(String), ct: expect.any(String) },
      headers: { "X-Org": { kid: row.secrets.api_key.kid, iv: expect.any(String), ct: expect.any(String) } },
    });
  });

  it("refuses to delete a provider an assistant's current version names (409 naming them), then deletes it once none does", async () => {
    const used = await create({ name: "in-use", api_key: API_KEY });
    const spare = await create({ name: "spare" });
    const assistant = async (name: string) => json(await api(ALICE, "POST", "/api/assistants", { graph_id: "chat", name, config: { provider_id: used.provider_id, model: "m" } }), 201);
    const a1 = await assistant("Support bot");
    const a2 = await assistant("Title writer");
    const path = `/api/providers/${used.provider_id}`;
    const problem = await expectProblem(await api(ALICE, "DELETE", path), 409, /^Provider "in-use" is used by assistants "Support bot" \(.{36}\), "Title writer" \(.{36}\)/);
    expect(problem).toMatchObject({ type: "about:blank#provider_in_use", assistants: [{ assistant_id: a1.assistant_id, name: "Support bot" }, { assistant_id: a2.assistant_id, name: "Title writer" }] });
    expect(await t.service.providers.usedBy("acme", used.provider_id)).toEqual([{ assistantId: a1.assistant_id, name: "Support bot" }, { assistantId: a2.assistant_id, name: "Title writer" }]);
    // Another tenant's assistants are not its business: bob's provider of the same name is unaffected.
    expect(await t.service.providers.usedBy("globex", used.provider_id)).toEqual([]);

    // a1 moves to another provider (its version 1 still names the old one: only the current version counts); a2 is deleted.
    await json(await api(ALICE, "PATCH", `/api/assistants/${a1.assistant_id}`, { config: { provider_id: spare.provider_id } }), 200);
    await expectProblem(await api(ALICE, "DELETE", path), 409, /is used by assistant "Title writer"/);
    expect((await api(ALICE, "DELETE", `/api/assistants/${a2.assistant_id}`)).status).toBe(204);
    expect((await api(ALICE, "DELETE", path)).status).toBe(204);
    await expectProblem(await api(ALICE, "DELETE", `/api/providers/${spare.provider_id}`), 409, /"spare" is used by assistant "Support bot"/);
  });

  it("without SECRETS_KEY refuses a key or headers (422, saying how to set one) and takes a provider without secrets", async () => {
    const plain = await startTestService({ db: t.db, env: { API_KEYS: `${ALICE}:acme:alice` } });
    try {
      for (const secrets of [{ api_key: API_KEY }, { headers: { "X-Org": HEADER_VALUE } }]) {
        const problem = await expectProblem(await api(ALICE, "POST", "/api/providers", { name: "no-key", base_url: "https://x.example.com/v1", ...secrets }, plain.url), 422, /set SECRETS_KEY to 32 random bytes, base64: `openssl rand -base64 32`/);
        expect(problem.type).toBe("about:blank#secrets_key_missing");
      }
      const created = await json(await api(ALICE, "POST", "/api/providers", { name: "no-key", base_url: "http://x.example.com/v1", api_key: null, headers: {} }, plain.url), 201);
      expect(created).toMatchObject({ api_key: { set: false }, headers: [] });
      // A provider whose key this service cannot open is shown all the same; its connection fails naming it.
      const sealed = (await json(await api(ALICE, "GET", "/api/providers", undefined, plain.url), 200)).providers.find((p: { name: string }) => p.name === "sealed");
      expect(sealed).toMatchObject({ api_key: { set: true } });
      await expect(plain.service.providers.connection("acme", sealed.provider_id)).rejects.toMatchObject({ code: "secrets_unreadable", message: expect.stringContaining('provider "sealed"') });
    } finally {
      await plain.close();
    }
  });
});
