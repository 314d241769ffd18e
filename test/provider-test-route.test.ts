import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMockOpenAI, type MockOpenAI } from "./helpers/mock-openai.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { closedPort } from "./helpers/closed-port.js";

const ALICE = "key-alice-ptest1";
const BOB = "key-bob-ptest002";
const RIGHT_KEY = "sk-right-key-Hq3Vb81Lz0Xe";
/** What the remote servers put in their error bodies: never to be found in an answer of ours. */
const CANARY = "REMOTE-BODY-CANARY-7731";
const SECRETS_KEY = randomBytes(32).toString("base64");

/** A port nothing listens on (taken, then let go). */

describe("POST /api/providers/:provider_id/test", () => {
  let t: TestService;
  let provider: MockOpenAI;
  const mocks: MockOpenAI[] = [];
  /** Every answer the tests got, searched for the canary at the end. */
  const answers: string[] = [];

  async function api(key: string, method: string, path: string, body?: unknown, url = t.url): Promise<{ status: number; body: any; text: string }> {
    const res = await fetch(`${url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    answers.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : null, text };
  }
  const create = async (fields: Record<string, unknown>) => {
    const res = await api(ALICE, "POST", "/api/providers", { api_key: RIGHT_KEY, default_model: "m1", ...fields });
    expect(res.status, res.text).toBe(201);
    return res.body.provider_id as string;
  };
  const test = async (id: string, body: unknown = {}, key = ALICE, url = t.url) => {
    const res = await api(key, "POST", `/api/providers/${id}/test`, body, url);
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const mock = async (...args: Parameters<typeof startMockOpenAI>) => {
    const m = await startMockOpenAI(...args);
    mocks.push(m);
    return m;
  };

  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob`, SECRETS_KEY, PROVIDER_ALLOWED_HOSTS: "127.0.0.1" } });
    provider = await mock(undefined, { apiKey: RIGHT_KEY, models: ["m1", "m2"], unauthorizedMessage: `bad key ${CANARY}` });
  });
  afterAll(async () => {
    await t?.close();
    for (const m of mocks) await m.close();
    expect(answers.length).toBeGreaterThan(10);
    expect(answers.filter((a) => a.includes(CANARY))).toEqual([]);
  });

  it("lists the models and gets a 1-token answer from the default model", async () => {
    const id = await create({ name: "good", base_url: provider.baseURL });
    const before = provider.requests.length;
    expect(await test(id)).toEqual({
      ok: true, result: "ok", http_status: 200, models: ["m1", "m2"], model: "m1", latency_ms: expect.any(Number), detail: "the model m1 answered",
    });
    expect(provider.requests.slice(before).map((r) => [r.body.model, r.body.max_tokens, r.headers.authorization])).toEqual([["m1", 1, `Bearer ${RIGHT_KEY}`]]);
    expect(await test(id, { model: "m2" })).toMatchObject({ result: "ok", model: "m2" });
  });

  it("reports a wrong key as unauthorized, without the server's words", async () => {
    const id = await create({ name: "wrong-key", base_url: provider.baseURL, api_key: "sk-wrong-key-000000" });
    expect(await test(id)).toEqual({
      ok: false, result: "unauthorized", http_status: 401, models: null, model: "m1", latency_ms: expect.any(Number),
      detail: "GET /models answered 401: the provider refused its API key or headers",
    });
  });

  it("reports a model the server does not list, or answers 404 for, as model_not_found", async () => {
    const id = await create({ name: "models", base_url: provider.baseURL });
    expect(await test(id, { model: "m9" })).toMatchObject({ ok: false, result: "model_not_found", http_status: 200, models: ["m1", "m2"], model: "m9" });
    // A server that lists the model and then has none by that name.
    const fickle = await mock({ httpStatus: 404, errorMessage: `no such model ${CANARY}` });
    const fickleId = await create({ name: "fickle", base_url: fickle.baseURL, default_model: "mock-model" });
    expect(await test(fickleId)).toMatchObject({ ok: false, result: "model_not_found", http_status: 404, models: ["mock-model"], model: "mock-model" });
  });

  it("reports a port nothing listens on as unreachable", async () => {
    const id = await create({ name: "closed", base_url: `http://127.0.0.1:${await closedPort()}/v1` });
    expect(await test(id)).toMatchObject({ ok: false, result: "unreachable", http_status: null, models: null, detail: "GET /models could not reach the provider (ECONNREFUSED)" });
  });

  it("reports a server slower than the provider's timeout_ms as timeout", async () => {
    const slow = await mock(undefined, { delayMs: 3_000 });
    const id = await create({ name: "slow", base_url: slow.baseURL, timeout_ms: 1_000 });
    expect(await test(id)).toMatchObject({ ok: false, result: "timeout", http_status: null, detail: "GET /models did not answer within 1000 ms" });
  });

  it("reports another failing status as bad_response, without the server's words", async () => {
    const failing = await mock({ httpStatus: 500, errorMessage: `internal trouble ${CANARY}` });
    const id = await create({ name: "failing", base_url: failing.baseURL, default_model: "mock-model" });
    expect(await test(id)).toMatchObject({ ok: false, result: "bad_response", http_status: 500, models: ["mock-model"], detail: "POST /chat/completions answered 500" });
  });

  it("does not follow a redirect", async () => {
    const moved = await mock(undefined, { redirectTo: `${provider.baseURL}/models` });
    const id = await create({ name: "moved", base_url: moved.baseURL });
    const before = provider.requests.length;
    expect(await test(id)).toMatchObject({ ok: false, result: "bad_response", http_status: 302, detail: "GET /models: the provider answered 302, a redirect, which is not followed" });
    expect(provider.requests.length).toBe(before);
  });

  it("refuses a loopback provider where PROVIDER_ALLOWED_HOSTS does not open it: on create and patch (422), and when tested", async () => {
    const id = await create({ name: "loopback", base_url: provider.baseURL });
    // A second instance on the same database, without PROVIDER_ALLOWED_HOSTS.
    const closed = await startTestService({ db: t.db, env: { API_KEYS: `${ALICE}:acme:alice`, SECRETS_KEY } });
    try {
      const before = provider.requests.length;
      expect(await test(id, {}, ALICE, closed.url)).toMatchObject({
        ok: false, result: "refused", http_status: null, models: null,
        detail: "GET /models: its host 127.0.0.1 is a loopback address, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it",
      });
      expect(provider.requests.length).toBe(before);
      const created = await api(ALICE, "POST", "/api/providers", { name: "refused", base_url: provider.baseURL }, closed.url);
      expect(created.status).toBe(422);
      expect(created.body).toMatchObject({ type: "about:blank#address_refused", invalid_params: [{ name: "base_url" }], detail: expect.stringContaining("its host 127.0.0.1 is a loopback address") });
      const patched = await api(ALICE, "PATCH", `/api/providers/${id}`, { base_url: "http://169.254.169.254/v1" }, closed.url);
      expect([patched.status, patched.body.detail]).toEqual([422, "base_url: its host 169.254.169.254 is a link-local address, where providers may not connect unless PROVIDER_ALLOWED_HOSTS names it."]);
      // The environment's own model server is allowed by its origin.
      expect((await api(ALICE, "POST", "/api/providers", { name: "own", base_url: closed.mock.baseURL }, closed.url)).status).toBe(201);
    } finally {
      await closed.close();
    }
  });

  it("treats another tenant's provider, or a malformed id, as absent", async () => {
    const id = await create({ name: "alice-only", base_url: provider.baseURL });
    const before = provider.requests.length;
    expect(await api(BOB, "POST", `/api/providers/${id}/test`, {})).toMatchObject({ status: 404, body: { type: "about:blank#not_found", detail: `Provider ${id} was not found.` } });
    expect(await api(ALICE, "POST", "/api/providers/not-a-uuid/test", {})).toMatchObject({ status: 404, body: { type: "about:blank#not_found" } });
    expect(await api(ALICE, "POST", `/api/providers/${id}/test`, { model: "" })).toMatchObject({ status: 400, body: { invalid_params: [{ name: "model", reason: "must not be empty" }] } });
    expect(provider.requests.length).toBe(before);
  });
});
