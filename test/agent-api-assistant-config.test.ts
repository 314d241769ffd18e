import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { graphAssistantId } from "../src/agent-api/graph-assistant-id.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
// As LangGraph's own fixtures do it: the manifest's env sets LANGGRAPH_CONFIG, each graph's defaults.
const LANGGRAPH_CONFIG = {
  echo: { configurable: { from_env: "yes", shared: "env" }, context: { tone: "env" }, tags: ["env-tag"] },
  factory_async: { context: { greeting: "Ahoy" } },
};

type Seen = { configurable: Record<string, unknown>; context: Record<string, unknown> | null; tags: string[]; recursion_limit: number };

// Assistants of any graph: config and context are whatever the graph reads, stored as given and
// passed to its runs under the run's own; a graph's own assistant has LANGGRAPH_CONFIG's defaults.
describe("Agent Server API: assistants carry any config and context", () => {
  let dir: string;
  let t: TestService;
  let client: Client;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-assistant-config-"));
    const manifest = path.join(dir, "langgraph.json");
    await writeFile(manifest, JSON.stringify({
      graphs: {
        echo: `${GRAPHS}/echo-config.ts:graph`,
        factory: `${GRAPHS}/factory.ts:graph`,
        factory_async: `${GRAPHS}/factory.ts:asyncGraph`,
      },
      env: { LANGGRAPH_CONFIG: JSON.stringify(LANGGRAPH_CONFIG) },
    }));
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest } });
    client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await t?.close();
    // The manifest's env went into this process's environment, as it does at start-up.
    delete process.env.LANGGRAPH_CONFIG;
    await rm(dir, { recursive: true, force: true });
  });

  const seen = async (assistantId: string, options: { config?: { configurable?: Record<string, unknown> }; context?: Record<string, unknown> } = {}) =>
    ((await client.runs.wait(null, assistantId, { input: {}, ...options })) as { seen: Seen }).seen;

  it("gives each graph's own assistant its LANGGRAPH_CONFIG entry, which its runs get under their own", async () => {
    const [system] = await client.assistants.search({ graphId: "echo", metadata: { created_by: "system" } });
    expect(system).toMatchObject({
      assistant_id: graphAssistantId("echo"),
      config: { configurable: { from_env: "yes", shared: "env" }, tags: ["env-tag"] },
      context: { tone: "env" },
    });
    expect(await client.assistants.get("echo")).toEqual(system);

    const plain = await seen("echo");
    expect(plain.configurable).toMatchObject({ from_env: "yes", shared: "env" });
    expect([plain.context, plain.tags]).toEqual([{ tone: "env" }, expect.arrayContaining(["env-tag"])]);
    const own = await seen(graphAssistantId("echo"), { config: { configurable: { shared: "run" } }, context: { extra: 1 } });
    expect(own.configurable).toMatchObject({ from_env: "yes", shared: "run" });
    expect(own.context).toEqual({ tone: "env", extra: 1 });

    // A graph without an entry has none; a factory is built with its entry's context.
    expect(await client.assistants.get("factory")).toMatchObject({ config: {}, context: {} });
    expect(await client.runs.wait(null, "factory_async", { input: { name: "Ada" } })).toEqual({ name: "Ada", greeting: "Ahoy, Ada!" });
    expect(await client.runs.wait(null, "factory_async", { input: { name: "Bo" }, context: { greeting: "Hej" } })).toEqual({ name: "Bo", greeting: "Hej, Bo!" });
  });

  it("stores a config of any keys and a context apart from it, returns both as given, and merges them under each run's own", async () => {
    const config = { configurable: { model_name: "gpt", nested: { depth: [1, 2] } }, recursion_limit: 7, tags: ["mine"], anything: true };
    const created = await client.assistants.create({ graphId: "echo", config, context: { user: "ada", tone: "dry" } });
    expect(created).toMatchObject({ config, context: { user: "ada", tone: "dry" }, version: 1 });
    expect(await client.assistants.get(created.assistant_id)).toEqual(created);

    const run = await seen(created.assistant_id, { config: { configurable: { model_name: "claude" } }, context: { tone: "warm" } });
    expect(run.configurable).toMatchObject({ model_name: "claude", nested: { depth: [1, 2] } });
    // The graph's own defaults are for its own assistant only.
    expect(run.configurable).not.toHaveProperty("from_env");
    expect(run.context).toEqual({ user: "ada", tone: "warm" });
    expect([run.recursion_limit, run.tags]).toEqual([7, expect.arrayContaining(["mine"])]);

    // An update replaces config and context each as a whole; one left out stays.
    const updated = await client.assistants.update(created.assistant_id, { context: { user: "bo" } });
    expect(updated).toMatchObject({ version: 2, config, context: { user: "bo" } });
    expect((await seen(created.assistant_id)).context).toEqual({ user: "bo" });
  });

  // A factory's nodes may depend on its config: reading or updating a thread's state builds it as
  // the thread's newest run was built, not with the graph's defaults.
  it("builds a factory graph from the thread's last run config to read and update its state", async () => {
    const assistant = await client.assistants.create({ graphId: "factory", config: { configurable: { node_name: "assistant" } } });
    const { thread_id: threadId } = await client.threads.create({ graphId: "factory" });
    await client.runs.wait(threadId, assistant.assistant_id, { input: { visited: ["start"] } });
    expect((await client.threads.get(threadId)).values).toEqual({ visited: ["start", "assistant"] });

    await client.threads.updateState(threadId, { values: { visited: ["edited"] }, asNode: "assistant" });
    const state = await client.threads.getState(threadId);
    expect(state.values).toEqual({ visited: ["start", "assistant", "edited"] });
    expect(state.metadata).toMatchObject({ source: "update" });
    expect((await client.threads.getHistory(threadId)).length).toBeGreaterThan(2);

    // The graph's defaults have no such node: a thread whose last run used them cannot be updated as it.
    const other = (await client.threads.create({ graphId: "factory" })).thread_id;
    await client.runs.wait(other, "factory", { input: { visited: [] } });
    await expect(client.threads.updateState(other, { values: { visited: ["x"] }, asNode: "assistant" })).rejects.toMatchObject({ status: 400 });
  });

  it("refuses a config or context that is not an object, or that LangGraph could not use, naming the field", async () => {
    const refused = async (body: Record<string, unknown>) => {
      const res = await fetch(`${t.url}/assistants`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ graph_id: "echo", ...body }) });
      expect(res.status).toBe(400);
      return (await res.json()).invalid_params;
    };
    expect(await refused({ config: ["a"] })).toEqual([{ name: "config", reason: expect.stringMatching(/expected object/) }]);
    expect(await refused({ config: { configurable: "x" } })).toEqual([{ name: "config.configurable", reason: "must be an object" }]);
    expect(await refused({ config: { tags: [1] } })).toEqual([{ name: "config.tags.0", reason: expect.any(String) }]);
    expect(await refused({ config: { recursion_limit: 0 } })).toEqual([{ name: "config.recursion_limit", reason: "must be from 1 to 10000" }]);
    expect(await refused({ context: "terse" })).toEqual([{ name: "context", reason: "must be an object" }]);
    expect(await refused({ context: { note: "a\u0000b" } })).toEqual([{ name: "context", reason: "must not contain NUL (U+0000) characters" }]);
    expect(await refused({ config: { configurable: { prompt: "x".repeat(100_001) } } })).toEqual([{ name: "config", reason: "must be at most 100000 bytes as JSON" }]);
  });
});
