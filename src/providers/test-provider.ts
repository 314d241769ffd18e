import { ProviderRefused } from "./provider-policy.js";
import type { ProviderConnection } from "./provider-repository.js";

export type ProviderTestResult = "ok" | "unreachable" | "unauthorized" | "model_not_found" | "timeout" | "refused" | "bad_response";

/** What `POST /api/providers/:id/test` answers. Built from statuses and the model list only, never from a remote body's text. */
export interface ProviderTestReport {
  ok: boolean;
  result: ProviderTestResult;
  http_status: number | null;
  models: string[] | null;
  model: string | null;
  latency_ms: number;
  detail: string;
}

/** The longest a test waits, whatever the provider's timeout_ms (a person is waiting for the answer). */
export const TEST_TIMEOUT_MS = 15_000;
/** Enough for a long model list; a bigger answer is a bad one. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
const MAX_MODELS = 1_000;

/** The end of a test, thrown by a step to skip the rest. */
class Outcome extends Error {
  constructor(readonly result: ProviderTestResult, readonly detail: string, readonly status: number | null = null) {
    super(detail);
  }
}

/**
 * Tries a provider the way a run would use it: `GET {base_url}/models` (which models it lists), then
 * one chat completion of at most one token for `model` (or its default model), through `fetch` (the
 * provider fetch, so the address policy applies). Failures are classified; the remote's answers are
 * never quoted, since a server could echo what it was sent, or whatever it likes, back to the caller.
 */
export async function testProvider(connection: ProviderConnection, fetch: typeof globalThis.fetch, requested?: string): Promise<ProviderTestReport> {
  const started = performance.now();
  const timeoutMs = Math.min(connection.timeoutMs, TEST_TIMEOUT_MS);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const model = requested ?? connection.defaultModel ?? null;
  const base = connection.baseUrl.replace(/\/+$/, "");
  const headers = { ...connection.headers, ...(connection.apiKey !== undefined && { authorization: `Bearer ${connection.apiKey}` }) };
  let models: string[] | null = null;
  const report = (result: ProviderTestResult, detail: string, status: number | null): ProviderTestReport => ({
    ok: result === "ok", result, http_status: status, models, model, latency_ms: Math.round(performance.now() - started), detail,
  });

  /** One request: its status and parsed JSON body, or the Outcome that ends the test. */
  const call = async (what: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: unknown }> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as object) }, signal: controller.signal });
      if (response.status === 401 || response.status === 403) throw new Outcome("unauthorized", `${what} answered ${response.status}: the provider refused its API key or headers`, response.status);
      if (response.status === 404) return { status: 404, body: await discard(response) };
      if (response.status < 200 || response.status >= 300) throw new Outcome("bad_response", `${what} answered ${response.status}`, response.status);
      return { status: response.status, body: await readJson(response, what) };
    } catch (err) {
      throw classify(err, what, controller.signal.aborted, timeoutMs);
    }
  };

  try {
    const listing = await call("GET /models", "/models");
    if (listing.status !== 404) models = modelIds(listing.body);
    if (model === null) {
      if (models === null) throw new Outcome("bad_response", "GET /models answered 404, and there is no model to try: check base_url (it usually ends in /v1), or give a model", 404);
      throw new Outcome("ok", `the provider lists ${models.length} model${models.length === 1 ? "" : "s"}; no model was tried (give one, or set default_model)`, listing.status);
    }
    if (models !== null && !models.includes(model)) throw new Outcome("model_not_found", `the provider does not list the model ${model}`, listing.status);
    const chat = await call("POST /chat/completions", "/chat/completions", {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "Say OK." }], max_tokens: 1, stream: false }),
    });
    if (chat.status === 404) throw new Outcome("model_not_found", `POST /chat/completions answered 404: the provider has no model ${model} (or base_url is wrong)`, 404);
    if (!Array.isArray((chat.body as { choices?: unknown } | null)?.choices)) throw new Outcome("bad_response", "POST /chat/completions answered without choices", chat.status);
    throw new Outcome("ok", `the model ${model} answered`, chat.status);
  } catch (err) {
    if (!(err instanceof Outcome)) throw err;
    return report(err.result, err.detail, err.status);
  } finally {
    clearTimeout(timer);
  }
}

/** What a failed request means, in words of ours (error codes and statuses only). */
function classify(err: unknown, what: string, timedOut: boolean, timeoutMs: number): Outcome {
  if (err instanceof Outcome) return err;
  if (timedOut) return new Outcome("timeout", `${what} did not answer within ${timeoutMs} ms`);
  if (err instanceof ProviderRefused) {
    if (err.reason === "unresolved") return new Outcome("unreachable", `${what}: ${err.message}`);
    if (err.reason === "redirect") return new Outcome("bad_response", `${what}: ${err.message}`, err.status ?? null);
    return new Outcome("refused", `${what}: ${err.message}`);
  }
  const code = errorCode(err);
  return new Outcome("unreachable", `${what} could not reach the provider${code ? ` (${code})` : ""}`);
}

/** The system error code (ECONNREFUSED, ENOTFOUND, …) under fetch's "fetch failed". */
function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[A-Z_]+$/.test(e.code)) return e.code;
  }
  return undefined;
}

async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await readCapped(response);
  if (text === undefined) throw new Outcome("bad_response", `${what} answered more than ${MAX_BODY_BYTES} bytes`, response.status);
  try {
    return JSON.parse(text);
  } catch {
    throw new Outcome("bad_response", `${what} answered ${response.status} with a body that is not JSON`, response.status);
  }
}

async function discard(response: Response): Promise<null> {
  await response.body?.cancel().catch(() => {});
  return null;
}

/** The body as text, or undefined past MAX_BODY_BYTES (then the rest is not read). */
async function readCapped(response: Response): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      await response.body?.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The ids of an OpenAI model list (`{ data: [{ id }] }`), or an Outcome when it is not one. */
function modelIds(body: unknown): string[] {
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length > MAX_MODELS || !data.every((m) => typeof m?.id === "string" && m.id.length <= 300)) {
    throw new Outcome("bad_response", "GET /models answered with something other than a model list", 200);
  }
  return data.map((m: { id: string }) => m.id);
}
