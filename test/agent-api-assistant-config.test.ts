import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");

type Seen = { configurable: Record<string, unknown>; context: Record<string, unknown> | null; tags: string[]; recursion_limit: number };

// Assistants of any graph: config and context are whatever the graph reads, stored as given and
// passed to its runs under the run's own.
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
    }));
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest } });
    client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const seen = async (assistantId: string, options: { config?: { configurable?: Record<string, unknown> }; context?: Record<string, unknown> } = {}) =>
    ((await client.runs.wait(null, assistantId, { input: {}, ...options })) as { seen: Seen }).seen;

  it("stores a config of any keys and a context apart from it, returns both as given, and merges them under each run's own", async () => {
    const config = { configurable: { model_name: "gpt", nested: { depth: [1, 2] } }, recursion_limit: 7, tags: ["mine"], anything: true };
    const created = await client.assistants.create({ graphId: "echo", config, context: { user: "ada", tone: "dry" } });
    expect(created).toMatchObject({ config, context: { user: "ada", tone: "dry" }, version: 1 });
    expect(await client.assistants.get(created.assistant_id)).toEqual(created);

    const run = await seen(created.assistant_id, { config: { configurable: { model_name: "claude" } }, context: { tone: "warm" } });
    expect(run.configurable).toMatchObject({ model_name: "claude", nested: { depth: [1, 2] } });
    expect(run.context).toEqual({ user: "ada", tone: "warm" });
    expect([run.recursion_limit, run.tags]).toEqual([7, expect.arrayContaining(["mine"])]);

    // An update replaces config and context each as a whole; one left out stays.
    const updated = await client.assistants.update(created.assistant_id, { context: { user: "bo" } });
    expect(updated).toMatchObject({ version: 2, config, context: { user: "bo" } });
    expect((await seen(created.assistant_id)).context).toEqual({ user: "bo" });
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
