import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { graphAssistantId } from "../src/agent-api/graph-assistant-id.js";
import { chat } from "./helpers/sse-client.js";
import { ALICE, sdkStatus, sdkSuite } from "./helpers/sdk-clients.js";


// The official LangGraph client writing our stored assistants through the Agent Server routes.
describe("Agent Server API: assistant writes through @langchain/langgraph-sdk", () => {
  const s = sdkSuite();

  const status = sdkStatus;
  async function post(path: string, body: unknown, key = ALICE) {
    const res = await fetch(`${s.t.url}${path}`, { method: "POST", headers: { "x-api-key": key, "content-type": "application/json" }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }

  it("creates (if_exists both ways), reads, updates to version 2, lists versions, counts and deletes", async () => {
    const assistantId = randomUUID();
    const created = await s.alice.assistants.create({
      graphId: "chat", assistantId, name: "Pirate", description: "Arr", metadata: { team: "sea" },
      config: { configurable: { system_prompt: "Speak like a pirate.", temperature: 0.3 } }, context: { tools: ["calculator"] },
    });
    expect(created).toMatchObject({
      assistant_id: assistantId, graph_id: "chat", name: "Pirate", description: "Arr", version: 1, metadata: { team: "sea" },
      config: { configurable: { system_prompt: "Speak like a pirate.", temperature: 0.3, tools: ["calculator"] } },
    });
    expect(await s.alice.assistants.get(assistantId)).toEqual(created);
    // It is one of our stored assistants.
    const native = await (await fetch(`${s.t.url}/api/assistants/${assistantId}`, { headers: { "x-api-key": ALICE } })).json();
    expect(native.config).toEqual({ system_prompt: "Speak like a pirate.", temperature: 0.3, tools: ["calculator"] });

    expect(await status(s.alice.assistants.create({ graphId: "chat", assistantId, ifExists: "raise" }))).toBe(409);
    expect(await s.alice.assistants.create({ graphId: "chat", assistantId, ifExists: "do_nothing", name: "Other" })).toEqual(created);
    // Ids are per tenant: to another tenant the id is free, and its assistant is its own.
    const bobs = await s.bob.assistants.create({ graphId: "draft", assistantId, ifExists: "raise", name: "Bob's" });
    expect(bobs).toMatchObject({ assistant_id: assistantId, graph_id: "draft", name: "Bob's", version: 1 });
    expect(await s.alice.assistants.get(assistantId)).toEqual(created);
    expect(await s.bob.assistants.get(assistantId)).toEqual(bobs);
    const untitled = await s.alice.assistants.create({ graphId: "draft" });
    expect(untitled).toMatchObject({ name: "Untitled", graph_id: "draft", config: { configurable: {} }, version: 1 });

    // config replaces the settings as a whole; metadata merges.
    const updated = await s.alice.assistants.update(assistantId, { config: { configurable: { system_prompt: "Speak like a parrot." } }, metadata: { mood: "loud" } });
    expect(updated).toMatchObject({ version: 2, name: "Pirate", config: { configurable: { system_prompt: "Speak like a parrot." } }, metadata: { team: "sea", mood: "loud" } });
    const renamed = await s.alice.assistants.update(assistantId, { name: "Parrot" });
    expect(renamed).toMatchObject({ version: 3, name: "Parrot", config: updated.config });

    const versions = await s.alice.assistants.getVersions(assistantId);
    expect(versions.map((v) => [v.version, v.name, v.config.configurable?.system_prompt])).toEqual([
      [3, "Parrot", "Speak like a parrot."], [2, "Pirate", "Speak like a parrot."], [1, "Pirate", "Speak like a pirate."],
    ]);
    expect(versions[2]).toMatchObject({ assistant_id: assistantId, graph_id: "chat", metadata: { team: "sea", mood: "loud" } });
    expect((await s.alice.assistants.getVersions(assistantId, { limit: 1, offset: 1 })).map((v) => v.version)).toEqual([2]);
    expect(await s.alice.assistants.getVersions(assistantId, { metadata: { team: "land" } })).toEqual([]);
    expect(await s.alice.assistants.getVersions("chat")).toEqual([expect.objectContaining({ graph_id: "chat", version: 1 })]);

    // Making the current version the latest is a no-op; an earlier one is refused, saying why.
    expect(await s.alice.assistants.setLatest(assistantId, 3)).toMatchObject({ version: 3 });
    const latest = await post(`/assistants/${assistantId}/latest`, { version: 1 });
    expect(latest.status).toBe(400);
    expect(latest.body.invalid_params).toEqual([{ name: "version", reason: expect.stringContaining("not supported") }]);

    expect(await s.alice.assistants.count()).toBe(4); // two graphs, two stored
    expect(await s.alice.assistants.count({ metadata: { team: "sea" } })).toBe(1);
    expect(await s.alice.assistants.count({ graphId: "draft" })).toBe(2);
    expect(await s.bob.assistants.count()).toBe(3); // two graphs, and his own

    await s.alice.assistants.delete(assistantId);
    expect(await status(s.alice.assistants.get(assistantId))).toBe(404);
    expect(await s.bob.assistants.get(assistantId)).toEqual(bobs);
    expect(await status(s.alice.assistants.delete(assistantId))).toBe(404);
    expect(await status(s.alice.assistants.delete(untitled.assistant_id, { deleteThreads: true }))).toBe(400);
  });

  it("runs /api/chat with the created assistant's system prompt", async () => {
    const pirate = await s.alice.assistants.create({ graphId: "chat", name: "Pirate", config: { configurable: { system_prompt: "Speak like a pirate.", model: "pirate-model" } } });
    s.t.mock.script({ text: "Arr." });
    const res = await chat(s.t.url, { message: "hello", assistant_id: pirate.assistant_id }, { "x-api-key": ALICE });
    expect(res.events.at(-1)!.data.status).toBe("success");
    const req = s.t.mock.requests.at(-1)!;
    expect(req.messages[0]).toEqual({ role: "system", content: "Speak like a pirate." });
    expect(req.body.model).toBe("pirate-model");
  });

  it("keeps another tenant's assistants out of reach", async () => {
    const mine = await s.alice.assistants.create({ graphId: "chat", name: "Mine" });
    expect(await status(s.bob.assistants.get(mine.assistant_id))).toBe(404);
    expect(await status(s.bob.assistants.update(mine.assistant_id, { name: "Stolen" }))).toBe(404);
    expect(await status(s.bob.assistants.getVersions(mine.assistant_id))).toBe(404);
    expect(await status(s.bob.assistants.delete(mine.assistant_id))).toBe(404);
    expect(await s.alice.assistants.get(mine.assistant_id)).toEqual(mine);
  });

  it("refuses bad settings naming the field, and changes to a graph's built-in assistant", async () => {
    const bad = async (body: unknown) => {
      const res = await post("/assistants", body);
      expect(res.status).toBe(400);
      return res.body.invalid_params;
    };
    expect(await bad({ graph_id: "chat", config: { configurable: { temperature: 5 } } })).toEqual([{ name: "config.configurable.temperature", reason: "must be between 0 and 2" }]);
    expect(await bad({ graph_id: "chat", config: { configurable: { colour: "red" } } })).toEqual([{ name: "config.configurable.colour", reason: "unknown field" }]);
    expect(await bad({ graph_id: "chat", config: { recursion_limit: 5 } })).toEqual([{ name: "config.recursion_limit", reason: "unknown field" }]);
    expect(await bad({ graph_id: "chat", context: { tools: "web_search" } })).toEqual([
      { name: "context.tools", reason: "must be an array of tool names" },
    ]);
    expect(await bad({ graph_id: "chat", config: { configurable: { model: "a" } }, context: { model: "b" } })).toEqual([
      { name: "context.model", reason: expect.stringContaining("differs") },
    ]);
    expect(await bad({ graph_id: "nope" })).toEqual([{ name: "graph_id", reason: expect.stringContaining("unknown graph") }]);

    const mine = await s.alice.assistants.create({ graphId: "chat", name: "Mine" });
    expect(await status(s.alice.assistants.update(mine.assistant_id, { config: { configurable: { window_rounds: 0 } } }))).toBe(400);
    expect(await status(s.alice.assistants.update(mine.assistant_id, { graphId: "draft" }))).toBe(400);
    expect(await s.alice.assistants.get(mine.assistant_id)).toEqual(mine);

    for (const id of ["chat", graphAssistantId("chat")]) {
      expect(await status(s.alice.assistants.update(id, { name: "Mine now" }))).toBe(409);
      expect(await status(s.alice.assistants.delete(id))).toBe(409);
    }
    expect(await status(s.alice.assistants.create({ graphId: "chat", assistantId: graphAssistantId("chat") }))).toBe(409);
    expect(await s.alice.assistants.create({ graphId: "chat", assistantId: graphAssistantId("chat"), ifExists: "do_nothing" }))
      .toMatchObject({ assistant_id: graphAssistantId("chat"), metadata: { created_by: "system" } });
  });
});
