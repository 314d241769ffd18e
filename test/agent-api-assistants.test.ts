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

  it("creates (if_exists both ways), reads, updates (a new version each time), counts and deletes", async () => {
    const assistantId = randomUUID();
    const created = await s.alice.assistants.create({
      graphId: "chat", assistantId, name: "Pirate", description: "Arr", metadata: { team: "sea" },
      config: { configurable: { system_prompt: "Speak like a pirate.", temperature: 0.3 } }, context: { tools: ["calculator"] },
    });
    expect(created).toMatchObject({
      assistant_id: assistantId, graph_id: "chat", name: "Pirate", description: "Arr", version: 1, metadata: { team: "sea" },
      config: { configurable: { system_prompt: "Speak like a pirate.", temperature: 0.3 } }, context: { tools: ["calculator"] },
    });
    expect(await s.alice.assistants.get(assistantId)).toEqual(created);
    // It is one of our stored assistants: there, config is what the graph gets as configurable.
    const native = await (await fetch(`${s.t.url}/api/assistants/${assistantId}`, { headers: { "x-api-key": ALICE } })).json();
    expect([native.config, native.context]).toEqual([{ system_prompt: "Speak like a pirate.", temperature: 0.3 }, { tools: ["calculator"] }]);

    expect(await status(s.alice.assistants.create({ graphId: "chat", assistantId, ifExists: "raise" }))).toBe(409);
    expect(await s.alice.assistants.create({ graphId: "chat", assistantId, ifExists: "do_nothing", name: "Other" })).toEqual(created);
    // Ids are per tenant: to another tenant the id is free, and its assistant is its own.
    const bobs = await s.bob.assistants.create({ graphId: "draft", assistantId, ifExists: "raise", name: "Bob's" });
    expect(bobs).toMatchObject({ assistant_id: assistantId, graph_id: "draft", name: "Bob's", version: 1 });
    expect(await s.alice.assistants.get(assistantId)).toEqual(created);
    expect(await s.bob.assistants.get(assistantId)).toEqual(bobs);
    const untitled = await s.alice.assistants.create({ graphId: "draft" });
    expect(untitled).toMatchObject({ name: "Untitled", graph_id: "draft", config: {}, context: {}, version: 1 });

    // config replaces the config as a whole, context stays unless given; metadata merges.
    const updated = await s.alice.assistants.update(assistantId, { config: { configurable: { system_prompt: "Speak like a parrot." } }, metadata: { mood: "loud" } });
    expect(updated).toMatchObject({
      version: 2, name: "Pirate", config: { configurable: { system_prompt: "Speak like a parrot." } }, context: { tools: ["calculator"] }, metadata: { team: "sea", mood: "loud" },
    });
    const renamed = await s.alice.assistants.update(assistantId, { name: "Parrot" });
    expect(renamed).toMatchObject({ version: 3, name: "Parrot", config: updated.config });

    expect(await s.alice.assistants.count()).toBe(4); // two graphs, two stored
    expect(await s.alice.assistants.count({ metadata: { team: "sea" } })).toBe(1);
    expect(await s.alice.assistants.count({ graphId: "draft" })).toBe(2);
    expect(await s.bob.assistants.count()).toBe(3); // two graphs, and his own

    await s.alice.assistants.delete(assistantId);
    const gone = await s.alice.assistants.get(assistantId).catch((err: Error) => err);
    expect(gone).toMatchObject({ status: 404, message: expect.stringContaining(`No assistant found for \\"${assistantId}\\"`) });
    expect(await s.bob.assistants.get(assistantId)).toEqual(bobs);
    expect(await status(s.alice.assistants.delete(assistantId))).toBe(404);
    expect(await status(s.alice.assistants.getVersions(assistantId))).toBe(404);
  });

  // Each version is all of what the assistant was, metadata included; any of them can answer again.
  it("keeps each version's metadata and config, and makes any version the latest", async () => {
    const a = await s.alice.assistants.create({ graphId: "chat", name: "v1", metadata: { stage: "draft" }, context: { tools: [] } });
    await s.alice.assistants.update(a.assistant_id, { config: { configurable: { temperature: 1 } }, metadata: { stage: "review" } });
    await s.alice.assistants.update(a.assistant_id, { name: "v3", metadata: { stage: "live" } });
    const versions = await s.alice.assistants.getVersions(a.assistant_id);
    expect(versions.map((v) => [v.version, v.name, v.metadata?.stage, v.config.configurable?.temperature ?? null])).toEqual([
      [3, "v3", "live", 1], [2, "v1", "review", 1], [1, "v1", "draft", null],
    ]);
    expect(versions[2]).toMatchObject({ assistant_id: a.assistant_id, graph_id: "chat", context: { tools: [] }, description: null });
    expect((await s.alice.assistants.getVersions(a.assistant_id, { metadata: { stage: "review" } })).map((v) => v.version)).toEqual([2]);
    expect((await s.alice.assistants.getVersions(a.assistant_id, { limit: 1, offset: 1 })).map((v) => v.version)).toEqual([2]);
    expect(await s.alice.assistants.getVersions("chat")).toEqual([expect.objectContaining({ graph_id: "chat", version: 1 })]);

    // Version 1 answers again, as it was; the next update is numbered after the newest.
    const back = await s.alice.assistants.setLatest(a.assistant_id, 1);
    expect(back).toMatchObject({ version: 1, name: "v1", config: {}, metadata: { stage: "draft" } });
    expect(await s.alice.assistants.get(a.assistant_id)).toEqual(back);
    expect(await s.alice.assistants.update(a.assistant_id, {})).toMatchObject({ version: 4, name: "v1", metadata: { stage: "draft" } });
    expect((await s.alice.assistants.getVersions(a.assistant_id)).map((v) => v.version)).toEqual([4, 3, 2, 1]);
    // The run records the version that answered.
    const thread = await s.alice.threads.create();
    await s.alice.assistants.setLatest(a.assistant_id, 2);
    s.t.mock.script({ text: "ok" });
    await s.alice.runs.wait(thread.thread_id, a.assistant_id, { input: { messages: [{ role: "user", content: "hi" }] } });
    expect(s.t.mock.requests.at(-1)!.body.temperature).toBe(1);
    expect((await s.t.db.pool.query("SELECT assistant_version FROM runs WHERE thread_id = $1", [thread.thread_id])).rows).toEqual([{ assistant_version: 2 }]);

    expect(await status(s.alice.assistants.setLatest(a.assistant_id, 9))).toBe(404);
    expect(await status(s.bob.assistants.setLatest(a.assistant_id, 1))).toBe(404);
    expect(await s.alice.assistants.setLatest("chat", 1)).toMatchObject({ assistant_id: graphAssistantId("chat"), version: 1 });
    expect(await status(s.alice.assistants.setLatest("chat", 2))).toBe(404);
  });

  // delete_threads: the caller's threads made with it or naming it; other users' threads stay.
  it("deletes the assistant's threads with it when asked", async () => {
    const a = await s.alice.assistants.create({ graphId: "chat", name: "Short-lived" });
    const named = await s.alice.threads.create({ metadata: { assistant_id: a.assistant_id } });
    const ran = await s.alice.threads.create();
    s.t.mock.script({ text: "ok" });
    await s.alice.runs.wait(ran.thread_id, a.assistant_id, { input: { messages: [{ role: "user", content: "hi" }] } });
    const unrelated = await s.alice.threads.create({ metadata: { assistant_id: "someone-else" } });
    const kept = await s.alice.assistants.create({ graphId: "chat", name: "Kept" });
    const keptThread = await s.alice.threads.create({ metadata: { assistant_id: kept.assistant_id } });

    await s.alice.assistants.delete(a.assistant_id, { deleteThreads: true });
    expect(await status(s.alice.assistants.get(a.assistant_id))).toBe(404);
    for (const id of [named.thread_id, ran.thread_id]) expect(await status(s.alice.threads.get(id))).toBe(404);
    // Its checkpoints went with it.
    expect(await s.t.service.db.checkpointer.getTuple({ configurable: { thread_id: ran.thread_id, checkpoint_ns: "" } })).toBeUndefined();
    for (const id of [unrelated.thread_id, keptThread.thread_id]) expect(await status(s.alice.threads.get(id))).toBe(200);
    // Without it, threads stay.
    await s.alice.assistants.delete(kept.assistant_id, { deleteThreads: false });
    expect(await status(s.alice.threads.get(keptThread.thread_id))).toBe(200);
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

  // The graph decides what it reads: any keys are stored; a value the chat graph cannot use fails the
  // run, with an error saying which.
  it("stores any config keys, and fails a run whose config the chat graph cannot use, saying why", async () => {
    const odd = await s.alice.assistants.create({ graphId: "chat", config: { configurable: { temperature: 5, colour: "red" }, recursion_limit: 50 }, context: { mood: "calm" } });
    expect(odd).toMatchObject({ config: { configurable: { temperature: 5, colour: "red" }, recursion_limit: 50 }, context: { mood: "calm" } });
    const sent = s.t.mock.requests.length;
    // The SDK raises a run's error (`__error__`) as `<error>: <message>`.
    const failed = await s.alice.runs.wait(null, odd.assistant_id, { input: { messages: [{ role: "user", content: "hi" }] } }).catch((err: Error) => err);
    expect((failed as Error).message).toBe("invalid_config: The chat graph cannot run with this config: configurable.temperature must be a number from 0 to 2 (got 5).");
    expect(s.t.mock.requests).toHaveLength(sent);
    // The run's own value wins over the assistant's.
    s.t.mock.script({ text: "ok" });
    await s.alice.runs.wait(null, odd.assistant_id, { input: { messages: [{ role: "user", content: "hi" }] }, config: { configurable: { temperature: 0.5 } } });
    expect(s.t.mock.requests.at(-1)!.body.temperature).toBe(0.5);
  });

  it("refuses a changed graph and changes to a graph's built-in assistant", async () => {
    const refused = await post("/assistants", { graph_id: "nope" });
    expect([refused.status, refused.body.invalid_params]).toEqual([400, [{ name: "graph_id", reason: expect.stringContaining("unknown graph") }]]);
    const mine = await s.alice.assistants.create({ graphId: "chat", name: "Mine" });
    expect(await status(s.alice.assistants.update(mine.assistant_id, { graphId: "draft" }))).toBe(400);
    expect(await status(s.alice.assistants.update(mine.assistant_id, { config: { configurable: [] as never } }))).toBe(400);
    expect(await s.alice.assistants.get(mine.assistant_id)).toEqual(mine);

    for (const id of ["chat", graphAssistantId("chat")]) {
      expect(await status(s.alice.assistants.update(id, { name: "Mine now" }))).toBe(409);
      expect(await status(s.alice.assistants.delete(id))).toBe(409);
    }
    expect(await status(s.alice.assistants.create({ graphId: "chat", assistantId: graphAssistantId("chat") }))).toBe(409);
    expect(await s.alice.assistants.create({ graphId: "chat", assistantId: graphAssistantId("chat"), ifExists: "do_nothing" }))
      .toMatchObject({ assistant_id: graphAssistantId("chat"), metadata: { created_by: "system" } });
  });

  it("answers a run of an unknown assistant with the Agent Server's 404", async () => {
    const thread = await s.alice.threads.create();
    for (const call of [s.alice.runs.wait(thread.thread_id, "non-existent", { input: {} }), s.alice.runs.create(thread.thread_id, randomUUID(), { input: {} })]) {
      const err = await call.catch((e: Error & { status: number }) => e);
      expect(err).toMatchObject({ status: 404, message: expect.stringMatching(/No assistant found for \\"[^"\\]+\\"\. Make sure the assistant ID is for a valid assistant or a valid graph ID/) });
    }
  });
});
