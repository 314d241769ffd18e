import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs", "schemas");
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
const MESSAGE_REF = "#/definitions/BaseMessage<MessageStructure<MessageToolSet>,MessageType>";

type Log = { level: number; msg: string; graphId?: string; fromCache?: number; graphs?: string[] };
type Schemas = Record<"input_schema" | "output_schema" | "state_schema" | "config_schema" | "context_schema", Record<string, any> | null> & { graph_id: string };

/** A logger whose lines (info and above) the test reads. */
function logs() {
  const lines: Log[] = [];
  return { logger: pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) }), lines };
}

async function getJson(url: string): Promise<any> {
  const res = await fetch(url);
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json();
}

const tempDirs: string[] = [];
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

async function writeManifest(dir: string, graphs: Record<string, string>): Promise<string> {
  const manifest = path.join(dir, "langgraph.json");
  await writeFile(manifest, JSON.stringify({ graphs }));
  return manifest;
}

const GRAPH_ENTRIES = {
  annotation: `${GRAPHS}/annotation.ts:graph`,
  zod_registry: `${GRAPHS}/zod.ts:registryGraph`,
  zod_plain: `${GRAPHS}/zod.ts:plainGraph`,
  state_schema: `${GRAPHS}/state-schema.ts:graph`,
  untyped: `${GRAPHS}/untyped.ts:graph`,
};

// GET /assistants/:id/schemas as `langgraphjs dev` answers it: Zod and StateSchema graphs from what
// they carry at run time, Annotation graphs from their TypeScript types (read at start-up, cached).
describe("graph schemas", () => {
  let t: TestService;
  let cacheDir: string;
  let manifest: string;
  const log = logs();
  const schemasOf = (id: string): Promise<Schemas> => getJson(`${t.url}/assistants/${id}/schemas`);

  beforeAll(async () => {
    const dir = await tempDir("threadloom-schema-test-");
    cacheDir = path.join(dir, "cache");
    manifest = await writeManifest(dir, GRAPH_ENTRIES);
    // A request made while the types are read waits for them: here as long as a busy machine may take.
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest, SCHEMA_CACHE_DIR: cacheDir, SCHEMA_WAIT_MS: "85000" }, logger: log.logger });
  });
  afterAll(() => t?.close());

  it("reads an Annotation graph's types: asked while they are read, it waits and answers typed", { timeout: 90_000 }, async () => {
    const schemas = await schemasOf("annotation");
    expect(schemas.graph_id).toBe("annotation");
    const messages = { type: "array", items: { $ref: MESSAGE_REF }, langgraph_type: "messages" };
    expect(schemas.state_schema).toMatchObject({
      type: "object",
      properties: {
        ticket: { $ref: "#/definitions/Ticket" },
        note: { type: ["null", "string"] },
        messages,
        status: { type: "string", enum: ["closed", "open"] },
        attempts: { type: "number" },
      },
      definitions: {
        Ticket: {
          type: "object",
          properties: {
            id: { description: "Where the ticket is tracked.", type: "string" },
            priority: { type: "string", enum: ["high", "low"] },
            tags: { type: "array", items: { type: "string" } },
          },
        },
        // As the JS Agent Server's static parser has it: the abstract class is one of its subclasses.
        "BaseMessage<MessageStructure<MessageToolSet>,MessageType>": {
          description: expect.stringContaining("Base class for all types of messages"),
          oneOf: [{ $ref: "#/definitions/RemoveMessage" }],
        },
        RemoveMessage: { type: "object", properties: { type: { type: "string", const: "remove" } } },
      },
      $schema: DRAFT_07,
    });
    // Input is the input annotation's keys, output the output annotation's.
    expect(Object.keys(schemas.input_schema!.properties)).toEqual(["ticket", "note", "messages", "status", "attempts"]);
    expect(schemas.output_schema!.properties).toEqual({ messages, status: { type: "string", enum: ["closed", "open"] }, attempts: { type: "number" } });
    const config = {
      type: "object",
      properties: { model_name: { description: "Which model answers.", type: "string" }, temperature: { type: "number" } },
      $schema: DRAFT_07,
    };
    expect(schemas.config_schema).toEqual(config);
    expect(schemas.context_schema).toEqual(config);
  });

  it("types an Annotation graph's subgraphs by namespace", async () => {
    const subgraphs = await getJson(`${t.url}/assistants/annotation/subgraphs`);
    expect(Object.keys(subgraphs)).toEqual(["triage"]);
    expect(subgraphs.triage).toMatchObject({
      state: { type: "object", properties: { ticket: { $ref: "#/definitions/Ticket" }, escalated: { type: ["boolean", "null"] } } },
      input: { properties: { ticket: {}, escalated: {} } },
      output: { properties: { ticket: {}, escalated: {} } },
      // No context annotation: an object of nothing known, as langgraphjs dev says.
      config: { type: "object", $schema: DRAFT_07 },
    });
  });

  it("reads Zod graphs at run time: LangGraph's registry with jsonSchemaExtra (Zod 3), plain Zod 4 with a Zod context", async () => {
    const registry = await schemasOf("zod_registry");
    expect(registry.state_schema).toMatchObject({
      type: "object",
      properties: { messages: { type: "array", items: { type: "string" }, langgraph_type: "messages" }, status: { type: "string", enum: ["idle", "done"] } },
    });
    // The reducer's input schema: an update takes one message.
    expect(registry.input_schema!.properties.messages).toMatchObject({ type: "string", langgraph_type: "messages" });
    expect(registry.config_schema).toBeNull();

    const plain = await schemasOf("zod_plain");
    expect(plain.state_schema).toMatchObject({ type: "object", properties: { items: { type: "array", items: { type: "string" } }, label: { type: "string" } } });
    expect(plain.state_schema!.properties.items).not.toHaveProperty("langgraph_type");
    expect(plain.config_schema).toMatchObject({ type: "object", properties: { region: { type: "string", enum: ["eu", "us"], description: "Where the data stays" } } });
    expect(plain.context_schema).toEqual(plain.config_schema);
  });

  it("reads a StateSchema graph at run time, with its values' jsonSchemaExtra", async () => {
    const schemas = await schemasOf("state_schema");
    expect(schemas.state_schema).toMatchObject({
      type: "object",
      properties: { messages: { langgraph_type: "messages" }, total: { type: "number", default: 0, unit: "points" } },
    });
    expect(schemas.input_schema!.properties.total).toMatchObject({ type: "number", unit: "points" });
  });

  it("answers a graph whose types say nothing with its keys untyped, after one warning", async () => {
    await t.service.schemasReady;
    const schemas = await schemasOf("untyped");
    const state = { type: "object", title: "untyped", properties: { topic: {}, messages: { type: "array", items: { type: "object" } } } };
    expect(schemas).toEqual({ graph_id: "untyped", input_schema: state, output_schema: state, state_schema: state, config_schema: null, context_schema: null });
    const warnings = log.lines.filter((l) => l.level === 40 && l.graphId === "untyped");
    expect(warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/^graph untyped: its schemas could not be read from its types \(the type of export "graph" is not a LangGraph graph \(any\)\)/)]);
  });

  it("reads the types only for graphs that need them, and a second start-up from the cache", async () => {
    await t.service.schemasReady;
    const read = log.lines.find((l) => l.msg.startsWith("graph schemas read from types"));
    expect(read).toMatchObject({ graphs: ["annotation"], fromCache: 0 });
    expect((await readdir(cacheDir)).filter((f) => f.endsWith(".json"))).toHaveLength(2);
    const before = await schemasOf("annotation");

    const again = logs();
    const second = await startTestService({ db: t.db, mock: t.mock, env: { LANGGRAPH_JSON: manifest, SCHEMA_CACHE_DIR: cacheDir }, logger: again.logger });
    try {
      await second.service.schemasReady;
      expect(again.lines.find((l) => l.msg.startsWith("graph schemas read from types"))).toMatchObject({ graphs: ["annotation"], fromCache: 2 });
      // The failure is remembered too (the same sources fail the same way), and said again.
      expect(again.lines.filter((l) => l.level === 40).map((l) => l.graphId)).toEqual(["untyped"]);
      expect(await getJson(`${second.url}/assistants/annotation/schemas`)).toEqual(before);
    } finally {
      await second.close();
    }
  });
});

describe("graph schemas: the cache follows the sources", () => {
  const shape = (fields: string) => `export interface Shape {\n${fields}\n}\n`;
  const GRAPH = [
    `import { Annotation, END, START, StateGraph } from "@langchain/langgraph";`,
    `import type { Shape } from "./shape.mjs";`,
    `const State = Annotation.Root({ shape: Annotation<Shape> });`,
    `export const graph = new StateGraph(State).addNode("n", () => ({})).addEdge(START, "n").addEdge("n", END).compile();`,
  ].join("\n");

  // Each cold read runs the compiler over LangGraph's types: seconds, more on a busy machine.
  it("reads a graph again when a file it imports changed, and not when nothing did", { timeout: 180_000 }, async () => {
    // A graph outside the project: LangGraph's types come from the project's packages, as at run time.
    const dir = await tempDir("threadloom-schema-test-edit-");
    await writeFile(path.join(dir, "graph.mts"), GRAPH);
    await writeFile(path.join(dir, "shape.mts"), shape("  size: number;"));
    const env = { LANGGRAPH_JSON: await writeManifest(dir, { edited: "./graph.mts:graph" }), SCHEMA_CACHE_DIR: path.join(dir, "cache") };
    const start = async () => {
      const log = logs();
      const t = await startTestService({ env, logger: log.logger });
      try {
        await t.service.schemasReady;
        const schemas: Schemas = await getJson(`${t.url}/assistants/edited/schemas`);
        return { shape: schemas.state_schema!.definitions.Shape, read: log.lines.find((l) => l.msg.startsWith("graph schemas read from types")) };
      } finally {
        await t.close();
      }
    };

    expect(await start()).toEqual({ shape: { type: "object", properties: { size: { type: "number" } } }, read: expect.objectContaining({ fromCache: 0 }) });
    await writeFile(path.join(dir, "shape.mts"), shape("  size: number;\n  /** Its colour. */\n  colour: \"red\" | \"blue\";"));
    const changed = { type: "object", properties: { size: { type: "number" }, colour: { description: "Its colour.", type: "string", enum: ["blue", "red"] } } };
    expect(await start()).toEqual({ shape: changed, read: expect.objectContaining({ fromCache: 0 }) });
    expect(await start()).toEqual({ shape: changed, read: expect.objectContaining({ fromCache: 1 }) });
  });

  it("works without a cache when SCHEMA_CACHE_DIR cannot be used, saying so once; a request that may not wait is answered untyped", { timeout: 90_000 }, async () => {
    const dir = await tempDir("threadloom-schema-test-nocache-");
    await writeFile(path.join(dir, "graph.mts"), GRAPH);
    await writeFile(path.join(dir, "shape.mts"), shape("  size: number;"));
    const notAFolder = path.join(dir, "file");
    await writeFile(notAFolder, "");
    const log = logs();
    const env = { LANGGRAPH_JSON: await writeManifest(dir, { edited: "./graph.mts:graph" }), SCHEMA_CACHE_DIR: notAFolder, SCHEMA_WAIT_MS: "0" };
    const t = await startTestService({ env, logger: log.logger });
    try {
      // Asked at once, with no wait allowed, while the compiler has only begun: the keys, untyped.
      const early: Schemas = await getJson(`${t.url}/assistants/edited/schemas`);
      expect(early.state_schema).toEqual({ type: "object", title: "edited", properties: { shape: {} } });
      await t.service.schemasReady;
      const schemas: Schemas = await getJson(`${t.url}/assistants/edited/schemas`);
      expect(schemas.state_schema!.definitions.Shape).toEqual({ type: "object", properties: { size: { type: "number" } } });
      expect(log.lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([expect.stringContaining(`SCHEMA_CACHE_DIR ${notAFolder} cannot be used`)]);
    } finally {
      await t.close();
    }
  });
});

// The repository's graphs (langgraph.json), with the service's default SCHEMA_CACHE_DIR.
describe("graph schemas of chat and draft", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { SCHEMA_WAIT_MS: "85000" } });
  });
  afterAll(() => t?.close());

  it("gives the chat graph's settings as its config and context schemas, as forms need them", { timeout: 90_000 }, async () => {
    const schemas: Schemas = await getJson(`${t.url}/assistants/chat/schemas`);
    expect(schemas.config_schema).toEqual({
      type: "object",
      properties: {
        system_prompt: { description: expect.stringMatching(/^The instructions the model gets/), type: "string", minLength: 1, maxLength: 20000 },
        window_rounds: { description: expect.stringMatching(/^How many rounds/), type: "integer", minimum: 1, maximum: 1000 },
        model: { description: expect.stringMatching(/^The model's name/), type: "string", minLength: 1, maxLength: 200 },
        temperature: { description: expect.stringMatching(/^Sampling temperature/), type: "number", minimum: 0, maximum: 2 },
        tools: { description: expect.stringMatching(/^The graph's tools this run may call/), type: "array", items: { type: "string" } },
      },
      $schema: DRAFT_07,
    });
    expect(schemas.context_schema).toEqual(schemas.config_schema);
    // MessagesAnnotation: a list of messages kept, and taken in any of LangChain's forms.
    const messages = { type: "array", items: { $ref: MESSAGE_REF }, langgraph_type: "messages" };
    expect(schemas.state_schema!.properties).toEqual({ messages });
    expect(schemas.input_schema!.properties).toEqual({ messages });
  });

  it("types the draft graph's document", { timeout: 90_000 }, async () => {
    const schemas: Schemas = await getJson(`${t.url}/assistants/draft/schemas`);
    expect(schemas.state_schema!.properties.document).toEqual({ anyOf: [{ $ref: "#/definitions/DraftDocument" }, { type: "null" }] });
    expect(schemas.state_schema!.definitions.DraftDocument).toEqual({
      type: "object",
      properties: { title: { type: "string" }, content: { type: "string" }, version: { type: "number" } },
    });
    expect(schemas.config_schema).toEqual({ type: "object", $schema: DRAFT_07 });
  });
});
