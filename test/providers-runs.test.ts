import { randomBytes } from "node:crypto";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { readSse } from "./helpers/sse-client.js";
import { type MockOpenAI, startMockOpenAI } from "./helpers/mock-openai.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { startFakeLangSmith } from "./helpers/fake-langsmith.js";

// Two tenants: acme (alice) owns both providers; globex (bob) must not reach them.
const ALICE = "key-alice-runs-01";
const BOB = "key-bob-runs-0002";
// Distinctive, so that finding one anywhere is a leak and nothing else.
const KEY_A = `sk-alpha-${randomBytes(12).toString("hex")}`;
const KEY_B = `sk-bravo-${randomBytes(12).toString("hex")}`;
const ORG_B = `org-secret-${randomBytes(8).toString("hex")}`;
const WRONG_KEY = `sk-wrong-${randomBytes(12).toString("hex")}`;
const SECRETS = [KEY_A, KEY_B, ORG_B, WRONG_KEY];

/** A LangSmith endpoint that keeps the text of every run upload (as test/tracing.test.ts). */

describe("assistants on two providers answer in one thread, and no secret leaves the server", () => {
  let t: TestService;
  let mockA: MockOpenAI;
  let mockB: MockOpenAI;
  /** A server that quotes the key it refuses in its error, as some proxies do. */
  let quoting: MockOpenAI;
  let langsmith: Awaited<ReturnType<typeof startFakeLangSmith>>;
  const logLines: string[] = [];
  /** Every response body the tests read, to search for the secrets at the end. */
  const bodies: string[] = [];

  async function call(method: string, path: string, body?: unknown, key = ALICE): Promise<{ status: number; json: any; text: string }> {
    const res = await fetch(`${t.url}${path}`, {
      method, headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    bodies.push(text);
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      // An event stream or an export in another format.
    }
    return { status: res.status, json, text };
  }

  async function stream(path: string, body: unknown): Promise<{ status: number; events: { event: string; data: any }[] }> {
    const res = await fetch(`${t.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const read = await readSse(res);
    bodies.push(read.body);
    return { status: res.status, events: read.events };
  }

  let providerA: string;
  let providerB: string;
  let assistantA: string;
  let assistantB: string;
  let threadId: string;

  beforeAll(async () => {
    mockA = await startMockOpenAI({ text: "Alpha answers here." }, { apiKey: KEY_A });
    mockB = await startMockOpenAI({ text: "Bravo answers here." }, { apiKey: KEY_B });
    quoting = await startMockOpenAI({ text: "never" }, { apiKey: "the-right-one", unauthorizedMessage: `Incorrect API key provided: ${WRONG_KEY}` });
    langsmith = await startFakeLangSmith();
    t = await startTestService({
      env: {
        API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob`,
        SECRETS_KEY: randomBytes(32).toString("base64"),
        PROVIDER_ALLOWED_HOSTS: "127.0.0.1",
        LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: langsmith.url, LANGSMITH_API_KEY: "test-key", LANGSMITH_PROJECT: "threadloom-providers",
      },
      logger: pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) }),
    });
    const a = await call("POST", "/api/providers", { name: "alpha", base_url: mockA.baseURL, api_key: KEY_A, default_model: "alpha-model" });
    const b = await call("POST", "/api/providers", { name: "bravo", base_url: mockB.baseURL, api_key: KEY_B, headers: { "X-Org": ORG_B } });
    expect([a.status, b.status]).toEqual([201, 201]);
    providerA = a.json.provider_id;
    providerB = b.json.provider_id;
  });
  afterAll(async () => {
    await t?.close();
    await Promise.all([mockA?.close(), mockB?.close(), quoting?.close(), langsmith?.close()]);
  });

  it("refuses an assistant or a chat naming a provider the tenant does not have (422, naming the field)", async () => {
    // Bob's tenant sees neither provider: the same refusal as for an id that never existed.
    for (const [provider, key] of [[providerA, BOB], [crypto.randomUUID(), ALICE]] as const) {
      const native = await call("POST", "/api/assistants", { graph_id: "chat", name: "x", config: { provider_id: provider } }, key);
      expect(native.status).toBe(422);
      expect(native.json).toMatchObject({ type: "about:blank#unknown_provider", invalid_params: [{ name: "config.provider_id" }] });
      const agent = await call("POST", "/assistants", { graph_id: "chat", config: { configurable: { provider_id: provider } } }, key);
      expect(agent.status).toBe(422);
      expect(agent.json.invalid_params).toEqual([{ name: "config.configurable.provider_id", reason: expect.stringContaining(provider) }]);
      const chat = await call("POST", "/api/chat", { message: "hi", configurable: { provider_id: provider } }, key);
      expect(chat.status).toBe(422);
      expect(chat.json.invalid_params).toEqual([{ name: "configurable.provider_id", reason: expect.any(String) }]);
      const run = await call("POST", "/runs/wait", { assistant_id: "chat", input: { messages: [{ role: "user", content: "hi" }] }, config: { configurable: { provider_id: provider } } }, key);
      expect(run.status).toBe(422);
      expect(run.json.invalid_params).toEqual([{ name: "config.configurable.provider_id", reason: expect.any(String) }]);
    }
    expect(mockA.requests.length + mockB.requests.length).toBe(0);
  });

  it("two assistants, one on each provider, answer from their own server in the same thread", async () => {
    const a = await call("POST", "/api/assistants", { graph_id: "chat", name: "on alpha", config: { provider_id: providerA } });
    expect(a.status).toBe(201);
    assistantA = a.json.assistant_id;
    // The Agent Server's route, with the model named: a provider without a default model needs one.
    const b = await call("POST", "/assistants", { graph_id: "chat", name: "on bravo", config: { configurable: { provider_id: providerB, model: "bravo-model" } } });
    expect(b.status).toBe(200);
    assistantB = b.json.assistant_id;

    const first = await stream("/api/chat", { message: "Hello alpha", assistant_id: assistantA });
    expect(first.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    threadId = first.events[0]!.data.thread_id;
    const second = await stream("/api/chat", { message: "Hello bravo", assistant_id: assistantB, thread_id: threadId });
    expect(second.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    // A third turn through the Agent Server's API, every stream mode at once (`events` among them).
    const third = await stream(`/threads/${threadId}/runs/stream`, {
      assistant_id: assistantA, input: { messages: [{ role: "user", content: "Alpha again" }] },
      stream_mode: ["values", "messages-tuple", "updates", "events", "debug", "custom"],
    });
    expect(third.status).toBe(200);
    expect(third.events.map((e) => e.event)).toContain("events");

    // Each server was called with its own key, model and headers, and only by its own assistant.
    expect(mockA.requests.map((r) => [r.headers.authorization, r.body.model])).toEqual([[`Bearer ${KEY_A}`, "alpha-model"], [`Bearer ${KEY_A}`, "alpha-model"]]);
    expect(mockB.requests.map((r) => [r.headers.authorization, r.headers["x-org"], r.body.model])).toEqual([[`Bearer ${KEY_B}`, ORG_B, "bravo-model"]]);
    // Bravo's model saw the whole thread, alpha's reply included.
    expect(JSON.stringify(mockB.requests[0]!.messages)).toContain("Alpha answers here.");

    const mirror = await call("GET", `/api/threads/${threadId}`);
    const replies = mirror.json.messages.filter((m: { role: string }) => m.role === "assistant");
    expect(replies.map((m: { content: string; provider_id: string }) => [m.content, m.provider_id])).toEqual([
      ["Alpha answers here.", providerA], ["Bravo answers here.", providerB], ["Alpha answers here.", providerA],
    ]);
    const users = mirror.json.messages.filter((m: { role: string }) => m.role === "user");
    expect(users.every((m: { provider_id: unknown }) => m.provider_id === null)).toBe(true);
  });

  it("exports say which provider answered, and an import keeps it", async () => {
    const exported = await call("GET", `/api/threads/${threadId}/export?format=json`);
    expect(exported.json.messages.filter((m: { role: string }) => m.role === "assistant").map((m: { provider_id: string }) => m.provider_id)).toEqual([providerA, providerB, providerA]);
    await call("GET", `/api/threads/${threadId}/export?format=jsonl`);
    await call("GET", `/api/threads/${threadId}/export?format=markdown`);
    const imported = await call("POST", "/api/threads/import", exported.json);
    expect(imported.status).toBe(201);
    const copy = await call("GET", `/api/threads/${imported.json.thread_id}`);
    expect(copy.json.messages.map((m: { provider_id: unknown }) => m.provider_id)).toEqual(exported.json.messages.map((m: { provider_id: unknown }) => m.provider_id));
  });

  it("changing an assistant's provider is a new version; the next turn answers from the new one", async () => {
    const patched = await call("PATCH", `/api/assistants/${assistantA}`, { config: { provider_id: providerB, model: "bravo-model" } });
    expect(patched.status).toBe(200);
    expect(patched.json.version).toBe(2);
    const before = mockB.requests.length;
    const turn = await stream("/api/chat", { message: "Who answers now?", assistant_id: assistantA, thread_id: threadId });
    expect(turn.events.at(-1)?.data).toMatchObject({ type: "end", status: "success" });
    expect(mockB.requests.length).toBe(before + 1);
    const refused = await call("PATCH", `/api/assistants/${assistantA}`, { config: { provider_id: crypto.randomUUID() } });
    expect(refused.status).toBe(422);
  });

  it("a run whose assistant names a provider that is gone fails with invalid_config, calling nothing", async () => {
    const gone = await call("POST", "/api/providers", { name: "gone", base_url: mockA.baseURL, default_model: "m" });
    const assistant = await call("POST", "/api/assistants", { graph_id: "chat", name: "moves", config: { provider_id: gone.json.provider_id } });
    await call("PATCH", `/api/assistants/${assistant.json.assistant_id}`, { config: { provider_id: providerA } });
    // No longer used by the latest version, the provider may go; the old version is then made the latest again.
    expect((await call("DELETE", `/api/providers/${gone.json.provider_id}`)).status).toBe(204);
    expect((await call("POST", `/assistants/${assistant.json.assistant_id}/latest`, { version: 1 })).status).toBe(200);
    const calls = mockA.requests.length + mockB.requests.length;
    const turn = await stream("/api/chat", { message: "anyone there?", assistant_id: assistant.json.assistant_id });
    expect(turn.events.at(-1)?.data).toMatchObject({ type: "error", code: "invalid_config", message: expect.stringContaining(gone.json.provider_id) });
    expect(mockA.requests.length + mockB.requests.length).toBe(calls);
  });

  it("a provider that refuses its key fails the run, and the key it quotes back is masked", async () => {
    const wrong = await call("POST", "/api/providers", { name: "wrong key", base_url: quoting.baseURL, api_key: WRONG_KEY, default_model: "m" });
    const assistant = await call("POST", "/api/assistants", { graph_id: "chat", name: "refused", config: { provider_id: wrong.json.provider_id } });
    const turn = await stream("/api/chat", { message: "hello?", assistant_id: assistant.json.assistant_id });
    expect(turn.events.at(-1)?.data).toMatchObject({ type: "error", code: "model_auth_failed" });
    // The provider's words reach the log, masked.
    expect(logLines.join("")).toContain("Incorrect API key provided: [redacted]");
  });

  it("no secret in any response, run record, run event, stream frame, export, checkpoint, log line or trace", async () => {
    // The Agent Server's run records (runs.kwargs), and each run's stream replayed from its event log.
    const runs = await call("GET", `/threads/${threadId}/runs`);
    expect(runs.status).toBe(200);
    expect(runs.json.length).toBeGreaterThan(0);
    for (const run of runs.json as { run_id: string }[]) {
      await call("GET", `/threads/${threadId}/runs/${run.run_id}`);
      const res = await fetch(`${t.url}/threads/${threadId}/runs/${run.run_id}/stream`, { headers: { authorization: `Bearer ${ALICE}`, "last-event-id": "0" } });
      bodies.push((await readSse(res)).body);
    }
    await call("GET", `/threads/${threadId}/state`);
    await call("GET", "/api/providers");
    await call("GET", `/api/providers/${providerB}`);
    await call("POST", `/threads/${threadId}/history`, { limit: 50 });
    await call("GET", `/api/assistants/${assistantA}/versions`);
    await call("GET", "/api/status");

    // The traces reached LangSmith (the providers' calls among them) before they are searched.
    await vi.waitFor(() => expect(langsmith.uploads.join("\n")).toContain("Bravo answers here."), { timeout: 15_000, interval: 200 });
    const places: Record<string, string> = {
      responses: bodies.join("\n"), logs: logLines.join(""), traces: langsmith.uploads.join("\n"),
    };
    // What is searched is there to be searched: the replies, the runs' log lines, the providers' calls.
    expect(places.responses).toContain("Alpha answers here.");
    expect(places.logs).toContain(threadId);
    expect(places.traces).toContain(mockA.baseURL);
    for (const [place, text] of Object.entries(places)) {
      for (const secret of SECRETS) expect(text.includes(secret), `${place} hold a secret`).toBe(false);
    }

    // Every table of every schema, every column as text (bytea as its bytes): the secrets appear in
    // none, the providers' ciphertext included.
    const { rows: tables } = await t.db.pool.query<{ schema: string; name: string }>(
      "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
    );
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(["providers", "runs", "run_events", "messages", "checkpoints"]));
    const holding = new Set<string>();
    for (const { schema, name } of tables) {
      const { rows } = await t.db.pool.query(`SELECT * FROM "${schema}"."${name}"`);
      for (const row of rows) {
        for (const value of Object.values(row)) {
          const text = Buffer.isBuffer(value) ? value.toString("latin1") : typeof value === "string" ? value : JSON.stringify(value) ?? "";
          if (text.includes("Bravo answers here.")) holding.add(name);
          for (const secret of SECRETS) expect(text.includes(secret), `${schema}.${name} holds a secret`).toBe(false);
        }
      }
    }
    // The reply is found where it is kept (checkpoint messages as bytes): the search reads them all.
    expect([...holding]).toEqual(expect.arrayContaining(["messages", "checkpoint_messages", "run_events"]));
    // Yet the providers' rows hold them, sealed: each provider with a key has one stored.
    const { rows: sealed } = await t.db.pool.query("SELECT name, secrets IS NOT NULL AND secrets::text <> '{}' AS sealed FROM providers ORDER BY name");
    expect(sealed).toEqual([{ name: "alpha", sealed: true }, { name: "bravo", sealed: true }, { name: "wrong key", sealed: true }]);
  });
});
