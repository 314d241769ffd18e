import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_SYSTEM_PROMPT } from "../graphs/chat.js";
import { checkpointState, expectMirrorMatchesCheckpoint, runRows, threadloomStatus, summary } from "./helpers/checkpoint-state.js";
import { words } from "./helpers/live-chat.js";
import { startMockOpenAI, type MockReply } from "./helpers/mock-openai.js";
import { chat, type SseResponse } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { closedPort } from "./helpers/closed-port.js";

const MODEL_KEY = "sk-model-key-7f3a9c1e";
const CLIENT_KEY = "client-key-0001";

/** A logger whose every line (info and above) the test can read. */
function captureLogs() {
  const lines: string[] = [];
  return { logger: pino({ level: "info" }, { write: (line: string) => void lines.push(line) }), lines, text: () => lines.join("") };
}

/** A port nothing listens on: a model server that is down. */

async function getStatus(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/status`, { headers });
  return { status: res.status, body: await res.json() };
}

/** Runs one failing turn on a new thread; checks the stream ends with exactly `error` and nothing after. */
async function failingTurn(t: TestService, reply: MockReply, message: string) {
  t.mock.script(reply);
  const res = await chat(t.url, { message });
  expect(res.status).toBe(200);
  const types = res.events.map((e) => e.event);
  expect(types[0]).toBe("start");
  expect(types.filter((e) => e === "error" || e === "end")).toEqual(["error"]);
  expect(types.at(-1)).toBe("error");
  return { res, threadId: res.headers.get("x-thread-id")!, runId: res.events[0].data.run_id as string, error: res.events.at(-1)!.data };
}

/** A normal turn after the failure: succeeds, and the model is sent the whole history. */
async function recoveringTurn(t: TestService, threadId: string, history: { role: string; content: string }[]) {
  t.mock.script({ text: "Back on track." });
  const res: SseResponse = await chat(t.url, { message: "try again", thread_id: threadId });
  expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
  expect(t.mock.requests.at(-1)!.messages).toEqual([
    { role: "system", content: DEFAULT_SYSTEM_PROMPT }, ...history, { role: "user", content: "try again" },
  ]);
  const thread = await (await fetch(`${t.url}/api/threads/${threadId}`)).json();
  expect(thread.status).toBe("idle");
  expect(thread.messages.slice(-2).map(summary)).toEqual([["user", "try again", "complete"], ["assistant", "Back on track.", "complete"]]);
  await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
}

async function threadStatus(t: TestService, threadId: string): Promise<string> {
  return (await (await fetch(`${t.url}/api/threads/${threadId}`)).json()).status;
}

describe("model errors", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService();
  });
  afterAll(() => t.close());

  // Proves an HTTP 500 before any token: masked model_error event, user message kept, run and thread in error.
  it("reports an HTTP 500 from the model as a masked model_error and keeps the user's message", async () => {
    const { threadId, runId, error } = await failingTurn(t, { httpStatus: 500 }, "hello?");
    const origin = new URL(t.mock.baseURL).origin;
    expect(error).toEqual({ type: "error", code: "model_error", message: `The model server at ${origin} answered with an error (HTTP 500).` });
    expect(JSON.stringify(error)).not.toContain("mock error");

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "hello?", "complete"]]);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run.run_id).toBe(runId);
    expect(run.status).toBe("error");
    expect(run.error!.code).toBe("model_error");
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "hello?" }]);
  });

  // Proves a stream that dies mid-reply: the tokens so far are saved as an `error` message in both stores.
  it("saves the partial reply with status error when the stream breaks mid-reply", async () => {
    const { res, threadId, error } = await failingTurn(t, { text: "alpha beta gamma delta epsilon", failAfterTokens: 3 }, "greek letters");
    const origin = new URL(t.mock.baseURL).origin;
    expect(error).toEqual({ type: "error", code: "model_error", message: `The connection to the model server at ${origin} broke off during its reply. The reply so far was saved.` });
    expect(res.body).not.toContain("mock");
    expect(res.events.filter((e) => e.event === "token").map((e) => e.data.content)).toEqual(["alpha ", "beta ", "gamma "]);

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "greek letters", "complete"], ["assistant", "alpha beta gamma ", "error"]]);
    expect(threadloomStatus((await checkpointState(t.db.pool, threadId)).messages[1])).toBe("error");
    const [run] = await runRows(t.db.pool, threadId);
    expect(run.status).toBe("error");
    expect(run.error!.code).toBe("model_error");
    expect(await threadStatus(t, threadId)).toBe("error");

    await recoveringTurn(t, threadId, [{ role: "user", content: "greek letters" }, { role: "assistant", content: "alpha beta gamma " }]);
  });
});

describe("what kind of model failure it was", () => {
  let t: TestService;
  const logs = captureLogs();
  const auth = { authorization: `Bearer ${CLIENT_KEY}` };
  let origin: string;
  beforeAll(async () => {
    t = await startTestService({ env: { OPENAI_API_KEY: MODEL_KEY, API_KEYS: `${CLIENT_KEY}:acme:alice` }, logger: logs.logger });
    origin = new URL(t.mock.baseURL).origin;
  });
  afterAll(() => t.close());

  // Proves each HTTP answer of the model server becomes its own code and sentence, over real HTTP;
  // the server quotes the Authorization header it was sent, and that text reaches no client.
  it.each([
    [401, "model_auth_failed", (o: string) => `The model server at ${o} did not accept the API key (HTTP 401): check OPENAI_API_KEY.`],
    [403, "model_auth_failed", (o: string) => `The model server at ${o} refused access to the model "mock-model" (HTTP 403): check OPENAI_API_KEY.`],
    [404, "model_not_found", (o: string) => `The model server at ${o} did not find the model "mock-model" (HTTP 404): check OPENAI_MODEL, and that OPENAI_BASE_URL includes the API's path (often /v1).`],
    [429, "model_rate_limited", (o: string) => `The model server at ${o} is rate limiting requests (HTTP 429): try again shortly.`],
    [500, "model_error", (o: string) => `The model server at ${o} answered with an error (HTTP 500).`],
  ])("HTTP %i from the model server ends the chat with %s", async (httpStatus, code, message) => {
    t.mock.script((req) => ({ httpStatus, errorMessage: `Incorrect API key provided: ${req.headers.authorization}` }));
    const res = await chat(t.url, { message: "hello" }, auth);
    expect(res.events.at(-1)!.data).toEqual({ type: "error", code, message: message(origin) });
    expect(t.mock.requests.at(-1)!.headers.authorization).toBe(`Bearer ${MODEL_KEY}`);
    expect(res.body).not.toContain(MODEL_KEY);
    expect(res.body).not.toContain("Incorrect API key");
    const [run] = await runRows(t.db.pool, res.headers.get("x-thread-id")!);
    expect(run.error).toMatchObject({ code, message: message(origin) });
    expect(JSON.stringify(run.error)).not.toContain(MODEL_KEY);

    const status = await getStatus(t.url, auth);
    expect(status.body.models).toEqual([{ base_url: t.mock.baseURL, model: "mock-model", demo: false, last_call: { ok: false, at: expect.any(String), code, latency_ms: expect.any(Number) } }]);
    // The provider's explanation is in the log for the operator, with the key masked.
    const warning = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "model call failed").at(-1);
    expect(warning).toMatchObject({ level: 40, code, modelServer: origin, model: "mock-model" });
    expect(warning.cause).toContain(`Incorrect API key provided: Bearer [redacted]`);
    expect(logs.text()).not.toContain(MODEL_KEY);
  });

  // Proves an exhausted quota (OpenAI's 429 insufficient_quota) is told apart from a passing rate limit.
  it("a 429 for an exhausted quota says so", async () => {
    t.mock.script({ httpStatus: 429, errorCode: "insufficient_quota", errorMessage: "You exceeded your current quota, please check your plan and billing details." });
    const res = await chat(t.url, { message: "hello" }, auth);
    expect(res.events.at(-1)!.data).toEqual({ type: "error", code: "model_rate_limited", message: `The model server at ${origin} says the account has run out of quota (HTTP 429).` });
  });

  // Proves /api/status reports a call that was answered, after one that failed, and needs a key.
  it("GET /api/status: the database, and whether the model server answered its last call", async () => {
    t.mock.script({ text: "fine, thanks" });
    const res = await chat(t.url, { message: "how are you?" }, auth);
    expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    const status = await getStatus(t.url, auth);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({
      database: { ok: true },
      models: [{ base_url: t.mock.baseURL, model: "mock-model", demo: false, last_call: { ok: true, at: expect.any(String), latency_ms: expect.any(Number) } }],
    });
    expect(Date.now() - Date.parse(status.body.models[0].last_call.at)).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(status.body)).not.toContain(MODEL_KEY);
    expect((await getStatus(t.url)).status).toBe(401);
    expect((await getStatus(t.url, { authorization: "Bearer not-a-key-at-all" })).status).toBe(401);
  });

  // Proves the start-up line names the server and the model, and says it is not the demo.
  it("logs the model server at start-up", () => {
    const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.baseUrl !== undefined);
    expect(line).toMatchObject({ level: 30, baseUrl: t.mock.baseURL, model: "mock-model", demo: false, msg: `model server: ${t.mock.baseURL}, model mock-model` });
  });
});

describe("a model server that cannot be reached", () => {
  let t: TestService;
  const logs = captureLogs();
  let baseURL: string;
  beforeAll(async () => {
    baseURL = `http://127.0.0.1:${await closedPort()}/v1`;
    t = await startTestService({ env: { OPENAI_API_KEY: MODEL_KEY, OPENAI_BASE_URL: baseURL }, logger: logs.logger });
  });
  afterAll(() => t.close());

  // Proves a closed port is model_unreachable (not a generic model_error), and /readyz stays about the database.
  it("ends the chat with model_unreachable, naming the server; /readyz stays ready", async () => {
    const res = await chat(t.url, { message: "anyone there?" });
    const origin = new URL(baseURL).origin;
    expect(res.events.at(-1)!.data).toEqual({ type: "error", code: "model_unreachable", message: `Could not reach the model server at ${origin}: the connection was refused.` });
    expect(res.body).not.toContain(MODEL_KEY);
    const threadId = res.headers.get("x-thread-id")!;
    expect((await expectMirrorMatchesCheckpoint(t.db.pool, threadId)).map(summary)).toEqual([["user", "anyone there?", "complete"]]);

    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    const status = await getStatus(t.url);
    expect(status.body).toEqual({
      database: { ok: true },
      models: [{ base_url: baseURL, model: "mock-model", demo: false, last_call: { ok: false, at: expect.any(String), code: "model_unreachable", latency_ms: expect.any(Number) } }],
    });
    expect(logs.text()).toContain("ECONNREFUSED");
    expect(logs.text()).not.toContain(MODEL_KEY);
  });
});

describe("a model server URL with credentials in it", () => {
  let t: TestService;
  const logs = captureLogs();
  beforeAll(async () => {
    const mock = await startMockOpenAI();
    const url = new URL(mock.baseURL);
    url.username = "alice";
    url.password = "url-secret-42";
    url.search = "?api-version=2024&sig=query-secret-9";
    t = await startTestService({ mock, env: { OPENAI_BASE_URL: url.href, OPENAI_API_KEY: MODEL_KEY }, logger: logs.logger });
  });
  afterAll(async () => {
    await t.close();
    await t.mock.close();
  });

  // Proves the URL is shown without its user, password and query everywhere: start-up log, error, status, warnings.
  it("shows it without user, password or query string", async () => {
    const shown = t.mock.baseURL;
    expect(logs.lines.map((l) => JSON.parse(l)).find((l) => l.baseUrl !== undefined)).toMatchObject({ baseUrl: shown, msg: `model server: ${shown}, model mock-model` });
    // fetch will not send a URL with credentials: the call fails before it leaves.
    const res = await chat(t.url, { message: "hi" });
    expect(res.events.at(-1)!.data).toMatchObject({ type: "error", code: "model_unreachable" });
    const status = await getStatus(t.url);
    expect(status.body.models[0]).toMatchObject({ base_url: shown, last_call: { ok: false, code: "model_unreachable" } });
    for (const text of [logs.text(), res.body, JSON.stringify(status.body)]) {
      expect(text).not.toMatch(/url-secret-42|query-secret-9|alice/);
      expect(text).not.toContain(MODEL_KEY);
    }
    expect(logs.text()).toContain("includes credentials");
  });
});

describe("the demo model at start-up", () => {
  // Proves the start-up line says plainly that the model is the offline demo, and where it listens.
  it("logs the demo model server", async () => {
    const logs = captureLogs();
    const t = await startTestService({ env: { OPENAI_BASE_URL: "", OPENAI_API_KEY: "" }, logger: logs.logger });
    try {
      const line = logs.lines.map((l) => JSON.parse(l)).find((l) => l.baseUrl !== undefined);
      expect(line).toMatchObject({ level: 30, model: "threadloom-demo", demo: true });
      expect(line.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      expect(line.msg).toBe(`model server: ${line.baseUrl}, model threadloom-demo (the offline demo model)`);
      expect((await getStatus(t.url)).body.models).toEqual([{ base_url: line.baseUrl, model: "threadloom-demo", demo: true, last_call: null }]);
    } finally {
      await t.close();
    }
  });
});

describe("run and model-idle timeouts", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { RUN_TIMEOUT_MS: "1000", MODEL_IDLE_TIMEOUT_MS: "300" } });
  });
  afterAll(() => t.close());

  // Proves RUN_TIMEOUT_MS stops a run that streams steadily but too long: code timeout, partial saved as error.
  it("stops a run at RUN_TIMEOUT_MS and saves the reply so far", async () => {
    const text = words(40);
    const { res, threadId, runId, error } = await failingTurn(t, { text, tokenDelayMs: 100 }, "a slow one");
    expect(error).toEqual({ type: "error", code: "timeout", message: "The run took longer than allowed; the reply so far was saved." });
    const seen = res.events.filter((e) => e.event === "token").map((e) => e.data.content).join("");

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map((m) => [m.role, m.status])).toEqual([["user", "complete"], ["assistant", "error"]]);
    // Each token went to the client before the next arrived, so what it saw is what was saved.
    expect(messages[1].content).toBe(seen);
    expect(seen.length).toBeGreaterThan(0);
    expect(text.startsWith(seen) && seen.length < text.length).toBe(true);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run).toEqual({ run_id: runId, status: "timeout", error: { code: "timeout", message: error.message } });
    expect(await threadStatus(t, threadId)).toBe("error");
    expect((await getStatus(t.url)).body.models[0].last_call).toMatchObject({ ok: false, code: "timeout" });

    await recoveringTurn(t, threadId, [{ role: "user", content: "a slow one" }, { role: "assistant", content: seen }]);
  });

  // Proves MODEL_IDLE_TIMEOUT_MS stops a model that goes silent mid-reply: code idle_timeout, same persistence.
  it("stops a stalled model at MODEL_IDLE_TIMEOUT_MS and saves the reply so far", async () => {
    const { threadId, runId, error } = await failingTurn(t, { text: "one two three four", stallAfterTokens: 2 }, "then stall");
    expect(error).toEqual({ type: "error", code: "idle_timeout", message: "The model stopped responding; the reply so far was saved." });

    const messages = await expectMirrorMatchesCheckpoint(t.db.pool, threadId);
    expect(messages.map(summary)).toEqual([["user", "then stall", "complete"], ["assistant", "one two ", "error"]]);
    const [run] = await runRows(t.db.pool, threadId);
    expect(run).toEqual({ run_id: runId, status: "timeout", error: { code: "idle_timeout", message: error.message } });
    expect(await threadStatus(t, threadId)).toBe("error");
    // The server went silent: its last call did not answer.
    expect((await getStatus(t.url)).body.models[0].last_call).toMatchObject({ ok: false, code: "idle_timeout" });

    await recoveringTurn(t, threadId, [{ role: "user", content: "then stall" }, { role: "assistant", content: "one two " }]);
  });
});
