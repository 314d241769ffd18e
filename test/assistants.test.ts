import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergePatch } from "../src/assistants/assistant-config.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// alice and carol share tenantA; bob is in tenantB. Assistants belong to a tenant, not a user.
const ALICE = { "x-api-key": "key-aaaaaaaa" };
const BOB = { "x-api-key": "key-bbbbbbbb" };
const CAROL = { "x-api-key": "key-cccccccc" };
type Who = typeof ALICE;

describe("assistant config (unit)", () => {
  it("merges a patch one level deep: given keys replace, null removes", () => {
    expect(mergePatch({ model: "a", temperature: 1, tools: ["x"] }, { model: "b", temperature: null, window_rounds: 3 })).toEqual({ model: "b", tools: ["x"], window_rounds: 3 });
    expect(mergePatch({ nested: { a: 1, b: 2 } }, { nested: { a: 3 } })).toEqual({ nested: { a: 3 } });
    expect(mergePatch({ tools: ["x", "y"] }, { tools: ["y"] })).toEqual({ tools: ["y"] });
  });
});

describe("assistants API", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: "key-aaaaaaaa:tenantA:alice,key-bbbbbbbb:tenantB:bob,key-cccccccc:tenantA:carol" } });
  });
  afterAll(() => t.close());

  async function call(method: string, path: string, who: Who, body?: unknown) {
    const res = await fetch(`${t.url}${path}`, {
      method, headers: { ...who, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }
  const create = async (body: Record<string, unknown>, who: Who = ALICE) => {
    const res = await call("POST", "/api/assistants", who, body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const runsOf = async (threadId: string) =>
    (await t.db.pool.query("SELECT assistant_id, assistant_version FROM runs WHERE thread_id = $1 ORDER BY created_at", [threadId])).rows;
  const toolNames = (req: { tools: { function: { name: string } }[] }) => req.tools.map((tool) => tool.function.name);

  it("creates, reads, updates (a new version each time), lists versions and deletes", async () => {
    const created = await call("POST", "/api/assistants", ALICE, {
      graph_id: "chat", name: "Pirate", description: "Talks like a pirate",
      config: { system_prompt: "Speak like a pirate.", temperature: 0.7, tools: ["calculator"] }, context: { audience: "kids" }, metadata: { team: "fun" },
    });
    expect(created.status).toBe(201);
    const id = created.body.assistant_id;
    expect(created.headers.get("location")).toBe(`/api/assistants/${id}`);
    expect(created.body).toEqual({
      assistant_id: expect.stringMatching(/^[0-9a-f-]{36}$/), graph_id: "chat", name: "Pirate", description: "Talks like a pirate",
      config: { system_prompt: "Speak like a pirate.", temperature: 0.7, tools: ["calculator"] }, context: { audience: "kids" }, metadata: { team: "fun" },
      version: 1, created_at: expect.any(String), updated_at: expect.any(String),
    });
    expect((await call("GET", created.headers.get("location")!, ALICE)).body).toEqual(created.body);

    // config, context and metadata are merge patches: null removes a key, other keys are kept.
    const patched = await call("PATCH", `/api/assistants/${id}`, ALICE, {
      name: "Captain", config: { temperature: null, model: "gpt-pirate" }, context: { audience: null, locale: "en" }, metadata: { tier: 2 },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: "Captain", description: "Talks like a pirate", version: 2,
      config: { system_prompt: "Speak like a pirate.", model: "gpt-pirate", tools: ["calculator"] }, context: { locale: "en" }, metadata: { team: "fun", tier: 2 },
    });
    expect(patched.body.config).not.toHaveProperty("temperature");
    await call("PATCH", `/api/assistants/${id}`, ALICE, { description: null });
    expect((await call("GET", `/api/assistants/${id}`, ALICE)).body).toMatchObject({ description: null, version: 3 });

    // Old versions stay readable as they were, newest first, and page like everything else.
    const versions = await call("GET", `/api/assistants/${id}/versions`, ALICE);
    expect(versions.body.versions.map((v: { version: number; name: string; description: string | null }) => [v.version, v.name, v.description])).toEqual([
      [3, "Captain", null], [2, "Captain", "Talks like a pirate"], [1, "Pirate", "Talks like a pirate"],
    ]);
    expect(versions.body.versions[2]).toEqual({
      assistant_id: id, version: 1, graph_id: "chat", name: "Pirate", description: "Talks like a pirate", created_at: created.body.created_at,
      config: { system_prompt: "Speak like a pirate.", temperature: 0.7, tools: ["calculator"] }, context: { audience: "kids" }, metadata: { team: "fun" },
    });
    expect(versions.body.versions[1].metadata).toEqual({ team: "fun", tier: 2 });
    const first = await call("GET", `/api/assistants/${id}/versions?limit=2`, ALICE);
    expect(first.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    const rest = await call("GET", `/api/assistants/${id}/versions?limit=2&cursor=${first.body.next_cursor}`, ALICE);
    expect([rest.body.versions.map((v: { version: number }) => v.version), rest.body.next_cursor]).toEqual([[1], null]);

    expect((await call("DELETE", `/api/assistants/${id}`, ALICE)).status).toBe(204);
    for (const [method, path] of [["GET", ""], ["GET", "/versions"], ["DELETE", ""], ["PATCH", ""]] as const) {
      const res = await call(method, `/api/assistants/${id}${path}`, ALICE, method === "PATCH" ? { name: "x" } : undefined);
      expect([method, path, res.status, res.body.detail]).toEqual([method, path, 404, `No assistant found for "${id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`]);
    }
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM assistant_versions WHERE assistant_id = $1", [id])).rows[0].n).toBe(0);
  });

  // Updates at once take turns on the row: none is lost and versions count up without gaps.
  it("numbers concurrent updates' versions in order, losing none", async () => {
    const id = (await create({ graph_id: "chat", name: "busy", metadata: {} })).assistant_id;
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => call("PATCH", `/api/assistants/${id}`, ALICE, { metadata: { [`k${i}`]: i } })));
    expect(results.map((r) => r.body.version).sort()).toEqual([2, 3, 4, 5, 6]);
    const latest = (await call("GET", `/api/assistants/${id}`, ALICE)).body;
    expect([latest.version, latest.metadata]).toEqual([6, { k1: 1, k2: 2, k3: 3, k4: 4, k5: 5 }]);
    expect((await call("GET", `/api/assistants/${id}/versions`, ALICE)).body.versions.map((v: { version: number }) => v.version)).toEqual([6, 5, 4, 3, 2, 1]);
  });

  it("lists a tenant's assistants newest first, by cursor", async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push((await create({ graph_id: "chat", name: `b${i}` }, BOB)).assistant_id);
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { assistants: { assistant_id: string }[]; next_cursor: string | null } } = await call("GET", `/api/assistants?limit=2${cursor ? `&cursor=${cursor}` : ""}`, BOB);
      pages.push(res.body.assistants.map((a) => a.assistant_id));
      cursor = res.body.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages).toEqual([[ids[4], ids[3]], [ids[2], ids[1]], [ids[0]]]);

    // An update moves nothing: the order is by creation.
    await call("PATCH", `/api/assistants/${ids[0]}`, BOB, { name: "b1 renamed" });
    expect((await call("GET", "/api/assistants?limit=100", BOB)).body.assistants.map((a: { assistant_id: string }) => a.assistant_id)).toEqual([...ids].reverse());

    const forged = await call("GET", `/api/assistants?cursor=${Buffer.from('["2026-02-30 00:00:00+00","00000000-0000-0000-0000-000000000000"]').toString("base64url")}`, BOB);
    expect([forged.status, forged.body.invalid_params]).toEqual([400, [{ name: "cursor", reason: "malformed" }]]);
    const badLimit = await call("GET", "/api/assistants?limit=0", BOB);
    expect([badLimit.status, badLimit.body.invalid_params[0].name]).toEqual([400, "limit"]);
  });

  // Another tenant's assistant does not exist, for reading, writing and chatting alike; a user of
  // the same tenant shares it.
  it("keeps each tenant's assistants to that tenant", async () => {
    const mine = await create({ graph_id: "chat", name: "Alice's" });
    const id = mine.assistant_id;
    for (const [method, path, body] of [["GET", "", undefined], ["GET", "/versions", undefined], ["PATCH", "", { name: "mine now" }], ["DELETE", "", undefined]] as const) {
      const res = await call(method, `/api/assistants/${id}${path}`, BOB, body);
      expect([method, path, res.status]).toEqual([method, path, 404]);
    }
    expect((await call("GET", "/api/assistants?limit=100", BOB)).body.assistants.map((a: { assistant_id: string }) => a.assistant_id)).not.toContain(id);
    const sent = t.mock.requests.length;
    const res = await chat(t.url, { message: "hi", assistant_id: id }, BOB);
    expect([res.status, JSON.parse(res.body).detail]).toEqual([404, `No assistant found for "${id}". Make sure the assistant ID is for a valid assistant or a valid graph ID.`]);
    expect(t.mock.requests).toHaveLength(sent);

    expect((await call("GET", `/api/assistants/${id}`, CAROL)).body).toEqual(mine);
    expect((await call("GET", `/api/assistants/${id}`, ALICE)).body).toEqual(mine);
  });

  // Any keys, of any graph: the graph decides what it reads. What cannot be stored is refused.
  it("answers bad input with a 400 naming the field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ graph_id: "nope", name: "x" }, "graph_id", /unknown graph; known graphs: chat, draft/],
      [{ name: "x" }, "graph_id", /expected string/],
      [{ graph_id: "chat" }, "name", /expected string/],
      [{ graph_id: "chat", name: "   " }, "name", /must not be empty/],
      [{ graph_id: "chat", name: "x", config: ["system_prompt"] }, "config", /must be an object/],
      [{ graph_id: "chat", name: "x", config: { note: "a\u0000b" } }, "config", /NUL/],
      [{ graph_id: "chat", name: "x", config: { system_prompt: "x".repeat(100_001) } }, "config", /at most 100000 bytes as JSON/],
      [{ graph_id: "chat", name: "x", context: "kids" }, "context", /must be an object/],
      [{ graph_id: "chat", name: "x", metadata: "tags" }, "metadata", /expected record/],
      [{ graph_id: "chat", name: "x\u0000" }, "name", /NUL/],
      [{ graph_id: "chat", name: "x", owner: "bob" }, "owner", /unknown field/],
    ];
    for (const [body, field, reason] of cases) {
      const res = await call("POST", "/api/assistants", ALICE, body);
      expect(res.headers.get("content-type")).toBe("application/problem+json; charset=utf-8");
      expect([JSON.stringify(body).slice(0, 80), res.status, res.body.invalid_params[0].name]).toEqual([JSON.stringify(body).slice(0, 80), 400, field]);
      expect(res.body.invalid_params[0].reason).toMatch(reason);
    }

    const id = (await create({ graph_id: "chat", name: "kept", config: { tools: ["calculator"], note: "x".repeat(60_000) } })).assistant_id;
    const patches: [unknown, string, RegExp][] = [
      [{ graph_id: "draft" }, "graph_id", /cannot be changed/],
      [{}, "body", /nothing to update/],
      [{ config: "none" }, "config", /must be an object/],
      // Each patch fits, the result would not.
      [{ config: { more: "y".repeat(60_000) } }, "config", /at most 100000 bytes as JSON/],
      [{ name: null }, "name", /expected string/],
    ];
    for (const [body, field, reason] of patches) {
      const res = await call("PATCH", `/api/assistants/${id}`, ALICE, body);
      expect([JSON.stringify(body).slice(0, 80), res.status, res.body.invalid_params[0].name]).toEqual([JSON.stringify(body).slice(0, 80), 400, field]);
      expect(res.body.invalid_params[0].reason).toMatch(reason);
    }
    // Nothing refused was written: still version 1.
    expect((await call("GET", `/api/assistants/${id}`, ALICE)).body).toMatchObject({ version: 1, name: "kept", config: { tools: ["calculator"] } });

    expect((await call("GET", "/api/assistants/chat", ALICE)).body.invalid_params).toEqual([{ name: "id", reason: "must be a UUID" }]);
    const text = await fetch(`${t.url}/api/assistants`, { method: "POST", headers: { ...ALICE, "content-type": "text/plain" }, body: "hi" });
    expect(text.status).toBe(400);
  });

  // The chat graph checks what it reads: a value it cannot use is stored, and fails the run that
  // reads it with an error naming it, before the model is called.
  it("fails a chat whose assistant's config the graph cannot use, naming the value", async () => {
    const hot = await create({ graph_id: "chat", name: "Too hot", config: { temperature: 5, window_rounds: "all" } });
    const sent = t.mock.requests.length;
    const res = await chat(t.url, { message: "hello", assistant_id: hot.assistant_id }, ALICE);
    expect(res.events.find((e) => e.event === "error")!.data).toEqual({
      type: "error", code: "invalid_config",
      message: 'The chat graph cannot run with this config: configurable.temperature must be a number from 0 to 2 (got 5); configurable.window_rounds must be an integer from 1 to 1000 (got "all").',
    });
    expect(res.events.at(-1)!.event).toBe("error");
    expect(t.mock.requests).toHaveLength(sent);
    const run = (await t.db.pool.query("SELECT status, error FROM runs WHERE thread_id = $1", [res.headers.get("x-thread-id")])).rows[0];
    expect(run).toMatchObject({ status: "error", error: { code: "invalid_config" } });

    // Fixed, the same assistant chats again.
    await call("PATCH", `/api/assistants/${hot.assistant_id}`, ALICE, { config: { temperature: 1, window_rounds: null } });
    t.mock.script({ text: "ok" });
    const fixed = await chat(t.url, { message: "hello", assistant_id: hot.assistant_id }, ALICE);
    expect(fixed.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
    expect(t.mock.requests.at(-1)!.body.temperature).toBe(1);
  });

  it("runs a chat with the assistant's prompt, model, temperature and only its enabled tools", async () => {
    const pirate = await create({
      graph_id: "chat", name: "Pirate",
      config: { system_prompt: "Speak like a pirate.", model: "pirate-model", temperature: 0.3, tools: ["current_time"] },
    });
    t.mock.script({ text: "Arr." });
    const res = await chat(t.url, { message: "hello", assistant_id: pirate.assistant_id }, ALICE);
    expect(res.events.at(-1)!.data.status).toBe("success");
    const req = t.mock.requests.at(-1)!;
    expect(req.messages[0]).toEqual({ role: "system", content: "Speak like a pirate." });
    expect([req.body.model, req.body.temperature, toolNames(req)]).toEqual(["pirate-model", 0.3, ["current_time"]]);

    // The graph's defaults are unchanged for everyone else.
    await chat(t.url, { message: "hello" }, ALICE);
    const plain = t.mock.requests.at(-1)!;
    const allTools = ["calculator", "current_time", "send_email"];
    expect([plain.body.model, plain.body.temperature, toolNames(plain)]).toEqual(["mock-model", undefined, allTools]);
    expect(plain.messages[0].content).toBe("You are a helpful assistant. Use the tools when they help.");

    // No tools enabled: the model is offered none.
    const silent = await create({ graph_id: "chat", name: "No tools", config: { tools: [] } });
    await chat(t.url, { message: "hello", assistant_id: silent.assistant_id }, ALICE);
    expect(t.mock.requests.at(-1)!.body).not.toHaveProperty("tools");
  });

  // context reaches the graph as LangGraph's runtime context; the chat graph prefers it to configurable.
  it("passes the assistant's context to the graph", async () => {
    const a = await create({ graph_id: "chat", name: "Two prompts", config: { system_prompt: "From config." }, context: { system_prompt: "From context." } });
    t.mock.script({ text: "ok" });
    await chat(t.url, { message: "hello", assistant_id: a.assistant_id }, ALICE);
    expect(t.mock.requests.at(-1)!.messages[0]).toEqual({ role: "system", content: "From context." });
  });

  // A model that calls a tool it was not offered gets an error back; the tool does not run.
  it("does not run a tool the assistant has not enabled", async () => {
    const calc = await create({ graph_id: "chat", name: "Calculator only", config: { tools: ["calculator"] } });
    t.mock.script([{ toolCalls: [{ id: "call_t", name: "current_time", args: {} }] }, { text: "Sorry." }]);
    const res = await chat(t.url, { message: "what time is it?", assistant_id: calc.assistant_id }, ALICE);
    const end = res.events.find((e) => e.event === "tool_end")!.data;
    expect(end).toMatchObject({ id: "call_t", name: "current_time", error: expect.stringContaining('Tool "current_time" not found') });
    expect(end).not.toHaveProperty("output");
  });

  // The thread remembers its assistant; each turn reads the assistant's latest version and the run
  // records which version answered.
  it("runs a thread's later turns on the assistant's latest version", async () => {
    const a = await create({ graph_id: "chat", name: "Versioned", config: { system_prompt: "Version one.", window_rounds: 1 } });
    t.mock.script((req) => ({ text: `reply ${req.index}` }));
    const first = await chat(t.url, { message: "turn one", assistant_id: a.assistant_id }, ALICE);
    const threadId = first.headers.get("x-thread-id")!;
    const thread = (await call("GET", `/api/threads/${threadId}`, ALICE)).body;
    expect([thread.assistant_id, thread.graph_id]).toEqual([a.assistant_id, "chat"]);

    await call("PATCH", `/api/assistants/${a.assistant_id}`, ALICE, { config: { system_prompt: "Version two.", temperature: 1.5 } });
    await chat(t.url, { message: "turn two", thread_id: threadId }, ALICE);
    const req = t.mock.requests.at(-1)!;
    // window_rounds 1: only the latest round is sent, after the new prompt.
    expect(req.messages).toEqual([{ role: "system", content: "Version two." }, { role: "user", content: "turn two" }]);
    expect(req.body.temperature).toBe(1.5);
    expect(await runsOf(threadId)).toEqual([
      { assistant_id: a.assistant_id, assistant_version: 1 },
      { assistant_id: a.assistant_id, assistant_version: 2 },
    ]);

    // A graph id still means that graph's defaults, for this turn only, and records no version.
    await chat(t.url, { message: "turn three", thread_id: threadId, assistant_id: "chat" }, ALICE);
    expect((await runsOf(threadId)).at(-1)).toEqual({ assistant_id: "chat", assistant_version: null });
    expect(t.mock.requests.at(-1)!.messages[0].content).toBe("You are a helpful assistant. Use the tools when they help.");
  });

  // Deleting is allowed (another user's threads must not make an assistant undeletable), and never
  // swaps in other settings silently: the thread's next turn without assistant_id is refused with a
  // 409 naming it; with one, the thread goes on, and its history is untouched.
  it("deletes an assistant that threads use; their next turn must name another", async () => {
    const a = await create({ graph_id: "chat", name: "Short-lived", config: { system_prompt: "Soon gone." } });
    t.mock.script({ text: "ok" });
    const threadId = (await chat(t.url, { message: "hello", assistant_id: a.assistant_id }, CAROL)).headers.get("x-thread-id")!;
    expect((await call("DELETE", `/api/assistants/${a.assistant_id}`, ALICE)).status).toBe(204);

    const sent = t.mock.requests.length;
    const refused = await chat(t.url, { message: "still there?", thread_id: threadId }, CAROL);
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body)).toMatchObject({ assistant_id: a.assistant_id, detail: expect.stringMatching(/no longer exists; send assistant_id/) });
    expect(t.mock.requests).toHaveLength(sent);
    const thread = (await call("GET", `/api/threads/${threadId}`, CAROL)).body;
    expect([thread.status, thread.message_count]).toEqual(["idle", 2]);

    const next = await chat(t.url, { message: "still there?", thread_id: threadId, assistant_id: "chat" }, CAROL);
    expect(next.events.at(-1)!.data.status).toBe("success");
    expect(await runsOf(threadId)).toEqual([
      { assistant_id: a.assistant_id, assistant_version: 1 },
      { assistant_id: "chat", assistant_version: null },
    ]);
    // A deleted assistant named explicitly is simply unknown.
    const unknown = await chat(t.url, { message: "hi", assistant_id: a.assistant_id }, CAROL);
    expect(unknown.status).toBe(404);
    expect((await chat(t.url, { message: "hi", assistant_id: randomUUID() }, CAROL)).status).toBe(404);
  });

  it("runs a stored assistant of the draft graph", async () => {
    const writer = await create({ graph_id: "draft", name: "Writer", description: "Drafts documents" });
    t.mock.script({ text: "# Plan\n\nShip it." });
    const res = await chat(t.url, { message: "draft a plan", assistant_id: writer.assistant_id }, ALICE);
    expect(res.events.find((e) => e.event === "doc")!.data).toMatchObject({ title: "Plan", version: 1 });
    const thread = (await call("GET", `/api/threads/${res.headers.get("x-thread-id")}`, ALICE)).body;
    expect([thread.graph_id, thread.assistant_id]).toEqual(["draft", writer.assistant_id]);
  });
});

// With the offline demo model, stored assistants must still look different: asked who it is, it
// quotes the system prompt it was sent.
describe("stored assistants on the demo model", () => {
  it("answers who it is by quoting the assistant's system prompt", async () => {
    const t = await startTestService({ env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "", DEMO_TOKEN_DELAY_MS: "0" } });
    try {
      expect(t.service.model.demo).toBe(true);
      const created = await fetch(`${t.url}/api/assistants`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ graph_id: "chat", name: "Pirate", config: { system_prompt: "Speak like a pirate, matey." } }),
      });
      const pirate = await created.json();
      const reply = async (body: Record<string, unknown>) => {
        const res = await chat(t.url, { message: "Who are you?", ...body });
        expect(res.events.at(-1)!.data).toMatchObject({ type: "end", status: "success" });
        return res.events.filter((e) => e.event === "message").at(-1)!.data.content as string;
      };
      expect(await reply({ assistant_id: pirate.assistant_id })).toMatch(/^My system prompt says: "Speak like a pirate, matey\." \(I am the offline demo model/);
      expect(await reply({})).toMatch(/^My system prompt says: "You are a helpful assistant\. Use the tools when they help\."/);
    } finally {
      await t.close();
    }
  });
});
