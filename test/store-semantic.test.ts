import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { startMockOpenAI, type MockOpenAI } from "./helpers/mock-openai.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "./helpers/write-manifest.js";

const MEMORIES = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs/memories.ts:graph");
const ALICE = "key-semantic-alice";
const BOB = "key-semantic-bob-0";
const INDEX = { embed: "openai:text-embedding-3-small", dims: 1536, fields: ["text"] };
const PROBLEM = "application/problem+json; charset=utf-8";

/** Whether the test PostgreSQL server can give a database pgvector (the embedded one cannot). */
async function serverHasPgvector(): Promise<boolean> {
  const client = new pg.Client({ connectionString: inject("pgServerUrl") });
  await client.connect();
  try {
    return ((await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")).rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

const pgvector = await serverHasPgvector();
const SKIPPED = " (skipped: the test PostgreSQL server has no pgvector; the system server's pass runs it)";
const NOT_SKIPPED = " (skipped: the test PostgreSQL server has pgvector; the embedded server's pass runs it)";

/** A service with store.index over the mock's embeddings, two tenants, and the memories graph. */
function semanticService() {
  const s = {} as { t: TestService; mock: MockOpenAI; manifest: WrittenManifest };
  beforeAll(async () => {
    s.manifest = await writeManifest({ graphs: { memories: MEMORIES }, store: { index: INDEX } });
    s.mock = await startMockOpenAI();
    s.t = await startTestService({ mock: s.mock, env: { LANGGRAPH_JSON: s.manifest.file, API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob` } });
  });
  afterAll(async () => {
    await s.t?.close();
    await s.mock?.close();
    await s.manifest?.remove();
  });
  const send = (key: string, method: string, route: string, body: unknown) =>
    fetch(`${s.t.url}${route}`, { method, body: JSON.stringify(body), headers: { authorization: `Bearer ${key}`, "content-type": "application/json" } });
  const put = async (key: string, namespace: string[], itemKey: string, value: unknown, extra: Record<string, unknown> = {}) => {
    const res = await send(key, "PUT", "/store/items", { namespace, key: itemKey, value, ...extra });
    expect(res.status, await res.clone().text()).toBe(204);
  };
  const search = async (key: string, body: Record<string, unknown>) => {
    const res = await send(key, "POST", "/store/items/search", body);
    expect(res.status, await res.clone().text()).toBe(200);
    return (await res.json()).items as { key: string; value: Record<string, unknown>; score?: number }[];
  };
  const remember = async (key: string, text: string) => {
    const client = new Client({ apiUrl: s.t.url, apiKey: key, callerOptions: { maxRetries: 0 } });
    const thread = await client.threads.create();
    // A run that fails is read from its record below.
    await client.runs.wait(thread.thread_id, "memories", { input: { messages: [{ role: "user", content: text }] } }).catch(() => undefined);
    const [run] = await client.runs.list(thread.thread_id);
    const state = await client.threads.getState(thread.thread_id);
    return { status: run!.status, answer: (state.values as { messages: { content: string }[] }).messages.at(-1)?.content };
  };
  return { s, send, put, search, remember };
}

describe.runIf(pgvector)(`semantic search with pgvector (store.index)${pgvector ? "" : SKIPPED}`, () => {
  const { s, send, put, search, remember } = semanticService();

  it("embeds each put's indexed fields and finds items by meaning, nearest first, with their scores", async () => {
    await put(ALICE, ["notes"], "coffee", { text: "I drink coffee every morning", n: 1 });
    await put(ALICE, ["notes"], "tea", { text: "green tea in the afternoon", n: 2 });
    await put(ALICE, ["notes"], "bike", { text: "my bicycle has a flat tyre", n: 3 });
    // Not indexed: found after the scored items, without a score.
    await put(ALICE, ["notes"], "beans", { text: "coffee beans" }, { index: false });
    expect(s.mock.embeddingRequests.map((r) => [r.model, r.input])).toEqual([
      ["text-embedding-3-small", ["I drink coffee every morning"]],
      ["text-embedding-3-small", ["green tea in the afternoon"]],
      ["text-embedding-3-small", ["my bicycle has a flat tyre"]],
    ]);
    const found = await search(ALICE, { namespace_prefix: ["notes"], query: "coffee in the afternoon" });
    expect(found.map((i) => i.key)).toEqual(["tea", "coffee", "bike", "beans"]);
    expect(found[0]!.score).toBeGreaterThan(found[1]!.score!);
    expect(found[1]!.score).toBeGreaterThan(found[2]!.score!);
    expect(found[2]!.score).toBeCloseTo(0, 5);
    expect("score" in found[3]!).toBe(false);
    expect(s.mock.embeddingRequests.at(-1)!.input).toEqual(["coffee in the afternoon"]);
    // With a filter, a limit and an offset; without a query, newest first and no scores.
    expect((await search(ALICE, { namespace_prefix: ["notes"], query: "coffee in the afternoon", filter: { n: { $ne: 2 } } })).map((i) => i.key)).toEqual(["coffee", "bike", "beans"]);
    expect((await search(ALICE, { namespace_prefix: ["notes"], query: "coffee in the afternoon", limit: 2, offset: 1 })).map((i) => i.key)).toEqual(["coffee", "bike"]);
    expect((await search(ALICE, { namespace_prefix: ["notes"] })).map((i) => [i.key, i.score])).toEqual([["beans", undefined], ["bike", undefined], ["tea", undefined], ["coffee", undefined]]);
  });

  it("embeds the fields a put names instead, re-embeds an item replaced, and drops its vectors with it", async () => {
    await put(ALICE, ["docs"], "d1", { title: "sailing boats", text: "nothing to see" }, { index: ["title", "tags[*]"] });
    expect(s.mock.embeddingRequests.at(-1)!.input).toEqual(["sailing boats"]);
    const vectors = async () => (await s.t.db.pool.query("SELECT field FROM store_vectors WHERE namespace = '{docs}' ORDER BY field")).rows.map((r) => r.field);
    expect(await vectors()).toEqual(["title"]);
    await put(ALICE, ["docs"], "d1", { title: "x", tags: ["red wine", "cheese"] }, { index: ["title", "tags[*]"] });
    expect(s.mock.embeddingRequests.at(-1)!.input).toEqual(["x", "red wine", "cheese"]);
    expect(await vectors()).toEqual(["tags[*].0", "tags[*].1", "title"]);
    expect((await search(ALICE, { namespace_prefix: ["docs"], query: "wine" }))[0]!.score).toBeGreaterThan(0.5);
    expect((await send(ALICE, "DELETE", "/store/items", { namespace: ["docs"], key: "d1" })).status).toBe(204);
    expect(await vectors()).toEqual([]);
  });

  it("searches only the caller's tenant, and a graph's search by meaning in a run finds its tenant's nearest", async () => {
    expect((await search(BOB, { namespace_prefix: [], query: "coffee" })).map((i) => i.key)).toEqual([]);
    for (const text of ["the cat sleeps on the sofa", "stock prices fell today", "the dog chases the cat"]) expect((await remember(BOB, text)).status).toBe("success");
    expect(await remember(BOB, "recall: cat on the sofa")).toEqual({ status: "success", answer: expect.stringMatching(/^the cat sleeps on the sofa \(0\.\d\d\)$/) });
    expect(await remember(ALICE, "recall: the cat")).toEqual({ status: "success", answer: "nothing" });
  });

  it("refuses a put whose embedding fails, or has the wrong dimensions, and stores nothing", async () => {
    s.mock.scriptEmbeddings({ httpStatus: 500 });
    let res = await send(ALICE, "PUT", "/store/items", { namespace: ["fail"], key: "k", value: { text: "hello" } });
    expect([res.status, res.headers.get("content-type")]).toEqual([503, PROBLEM]);
    expect((await res.json()).detail).toMatch(/^The embedding model text-embedding-3-small at http:\/\/127\.0\.0\.1:\d+\/v1\/embeddings answered 500: /);
    s.mock.scriptEmbeddings({ dims: 8 });
    res = await send(ALICE, "PUT", "/store/items", { namespace: ["fail"], key: "k", value: { text: "hello" } });
    expect([res.status, (await res.json()).detail]).toEqual([503, "The embedding model answered vectors of 8 dimensions; store.index.dims in langgraph.json says 1536."]);
    s.mock.scriptEmbeddings({});
    expect(await search(ALICE, { namespace_prefix: ["fail"] })).toEqual([]);
  });
});

describe.runIf(!pgvector)(`store.index without pgvector${pgvector ? NOT_SKIPPED : ""}`, () => {
  const { s, send, put, search, remember } = semanticService();

  it("starts, stores and searches without a query, embedding nothing", async () => {
    await put(ALICE, ["notes"], "coffee", { text: "I drink coffee every morning" });
    expect((await search(ALICE, { namespace_prefix: ["notes"] })).map((i) => i.key)).toEqual(["coffee"]);
    expect(s.mock.embeddingRequests).toEqual([]);
  });

  it("answers a search with a query with a 400 saying semantic search needs pgvector, through the API and in a graph's run", async () => {
    const res = await send(ALICE, "POST", "/store/items/search", { namespace_prefix: ["notes"], query: "coffee" });
    expect([res.status, res.headers.get("content-type")]).toEqual([400, PROBLEM]);
    const problem = await res.json();
    expect(problem.invalid_params).toEqual([{ name: "query", reason: expect.stringMatching(/^semantic search needs the pgvector extension, which this PostgreSQL server does not have/) }]);
    expect((await remember(ALICE, "recall: coffee")).status).toBe("error");
  });
});

describe("a store.index the service cannot use", () => {
  let mock: MockOpenAI;
  beforeAll(async () => {
    mock = await startMockOpenAI();
  });
  afterAll(() => mock.close());

  it.each([
    [{ embed: "cohere:embed-english-v3.0", dims: 1024 }, /store\.index\.embed must be "openai:<model>"/],
    [{ embed: "openai:text-embedding-3-small" }, /store\.index\.dims /],
    [{ embed: "openai:text-embedding-3-small", dims: 1536, fields: [] }, /store\.index\.fields /],
  ])("stops start-up: %j", async (index, message) => {
    const manifest = await writeManifest({ graphs: { memories: MEMORIES }, store: { index } });
    try {
      await expect(startTestService({ mock, env: { LANGGRAPH_JSON: manifest.file } })).rejects.toThrow(message);
    } finally {
      await manifest.remove();
    }
  });
});
