import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sentEmails } from "./helpers/outbox.js";
import type { MockRequest } from "./helpers/mock-openai.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";
import { writeManifest, type WrittenManifest } from "./helpers/write-manifest.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const GRAPHS = path.join(HERE, "graphs");
// alice and carol share the tenant acme; bob is in globex.
const ALICE = "key-store-alice1";
const CAROL = "key-store-carol3";
const BOB = "key-store-bob-02";
const PROBLEM = "application/problem+json; charset=utf-8";
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// The model e-mails when asked (send_email, which records the e-mail in the run's store), else replies.
function model(req: MockRequest) {
  const last = req.messages.at(-1);
  if (last?.role === "tool") return { text: "sent" };
  if (/email/.test(String(last?.content))) return { toolCalls: [{ name: "send_email", args: { to: "bob@example.com", subject: "Lunch", body: "Noon?" } }] };
  return { text: "hello back" };
}

describe("the store API and graphs' config.store, per tenant (API keys)", () => {
  let t: TestService;
  let manifest: WrittenManifest;
  const send = (key: string, method: string, route: string, body?: unknown) =>
    fetch(`${t.url}${route}`, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    });
  const json = async (key: string, method: string, route: string, body?: unknown) => {
    const res = await send(key, method, route, body);
    expect(res.status, `${method} ${route}: ${res.status}`).toBe(200);
    return res.json();
  };
  const put = async (key: string, namespace: string[], itemKey: string, value: unknown, extra: Record<string, unknown> = {}) => {
    const res = await send(key, "PUT", "/store/items", { namespace, key: itemKey, value, ...extra });
    expect(res.status, await res.clone().text()).toBe(204);
    expect(await res.text()).toBe("");
  };
  const getItem = (key: string, namespace: string[], itemKey: string) => json(key, "GET", `/store/items?${new URLSearchParams({ namespace: namespace.join("."), key: itemKey })}`);
  const search = async (key: string, body: Record<string, unknown>) => (await json(key, "POST", "/store/items/search", body)).items as { namespace: string[]; key: string; value: Record<string, unknown> }[];
  const namespaces = async (key: string, body: Record<string, unknown> = {}) => (await json(key, "POST", "/store/namespaces", body)).namespaces as string[][];
  const truncate = (key: string) => send(key, "POST", "/internal/truncate", { store: true });
  const sdk = (key: string) => new Client({ apiUrl: t.url, apiKey: key, callerOptions: { maxRetries: 0 } });

  beforeAll(async () => {
    manifest = await writeManifest({ graphs: { chat: path.join(HERE, "../graphs/chat.ts:graph"), memories: path.join(GRAPHS, "memories.ts:graph") } });
    t = await startTestService({
      env: { LANGGRAPH_JSON: manifest.file, API_KEYS: `${ALICE}:acme:alice,${CAROL}:acme:carol,${BOB}:globex:bob`, INTERNAL_TRUNCATE_ENABLED: "1" },
      script: model,
    });
  });
  afterAll(async () => {
    await t?.close();
    await manifest?.remove();
  });

  it("puts, gets, replaces and deletes an item, in the Agent Server's wire format", async () => {
    await truncate(ALICE);
    await put(ALICE, ["profile", "alice"], "prefs", { theme: "dark", sizes: [1, 2] });
    const first = await getItem(ALICE, ["profile", "alice"], "prefs");
    expect(first).toEqual({ namespace: ["profile", "alice"], key: "prefs", value: { theme: "dark", sizes: [1, 2] }, created_at: expect.stringMatching(ISO), updated_at: first.created_at });
    await put(ALICE, ["profile", "alice"], "prefs", { theme: "light" });
    const second = await getItem(ALICE, ["profile", "alice"], "prefs");
    expect(second).toMatchObject({ value: { theme: "light" }, created_at: first.created_at });
    expect(Date.parse(second.updated_at)).toBeGreaterThan(Date.parse(first.updated_at));
    // A missing item is a 200 with null, as upstream; a delete of one is no error.
    const missing = await send(ALICE, "GET", "/store/items?namespace=profile.alice&key=nope");
    expect([missing.status, await missing.text()]).toEqual([200, "null"]);
    for (let i = 0; i < 2; i++) {
      const res = await send(ALICE, "DELETE", "/store/items", { namespace: ["profile", "alice"], key: "prefs" });
      expect([res.status, await res.text()]).toEqual([204, ""]);
    }
    expect(await getItem(ALICE, ["profile", "alice"], "prefs")).toBeNull();
  });

  it("serves the official client's StoreClient, camelCase times included", async () => {
    await truncate(ALICE);
    const client = sdk(ALICE);
    await client.store.putItem(["sdk", "notes"], "n1", { text: "hi" });
    expect(await client.store.getItem(["sdk", "notes"], "n1")).toMatchObject({ value: { text: "hi" }, createdAt: expect.stringMatching(ISO), updatedAt: expect.stringMatching(ISO) });
    expect((await client.store.searchItems(["sdk"])).items).toEqual([expect.objectContaining({ key: "n1", value: { text: "hi" }, createdAt: expect.any(String) })]);
    expect(await client.store.listNamespaces()).toEqual({ namespaces: [["sdk", "notes"]] });
    await client.store.deleteItem(["sdk", "notes"], "n1");
    expect(await client.store.getItem(["sdk", "notes"], "n1")).toBeNull();
  });

  it("searches under a namespace prefix label by label, newest first, with filters, limit and offset", async () => {
    await truncate(ALICE);
    // Labels are compared whole: ["docs", "a"] is no prefix of ["docs", "ab"], and ":", "%" or "_" are ordinary characters.
    await put(ALICE, ["docs", "a"], "1", { n: 1, tag: "x", owner: { name: "al" } });
    await put(ALICE, ["docs", "ab"], "2", { n: 2, tag: "y" });
    await put(ALICE, ["docs", "a", "deep"], "3", { n: 3, tag: "x" });
    await put(ALICE, ["docs:a"], "4", { n: 4 });
    await put(ALICE, ["d%", "_"], "5", { n: "5" });
    const keys = async (body: Record<string, unknown>) => (await search(ALICE, body)).map((i) => i.key);
    expect(await keys({ namespace_prefix: ["docs", "a"] })).toEqual(["3", "1"]);
    expect(await keys({ namespace_prefix: ["docs"] })).toEqual(["3", "2", "1"]);
    expect(await keys({ namespace_prefix: ["d%"] })).toEqual(["5"]);
    expect(await keys({ namespace_prefix: ["d"] })).toEqual([]);
    expect(await keys({ namespace_prefix: [] })).toEqual(["5", "4", "3", "2", "1"]);
    expect(await keys({ namespace_prefix: [], limit: 2, offset: 1 })).toEqual(["4", "3"]);
    // Filters on the value's top-level keys: JSON equality, and LangGraph's operators.
    const filtered = async (filter: unknown) => keys({ namespace_prefix: [], filter });
    expect(await filtered({ tag: "x" })).toEqual(["3", "1"]);
    expect(await filtered({ owner: { name: "al" } })).toEqual(["1"]);
    expect(await filtered({ n: 5 })).toEqual([]);
    expect(await filtered({ n: "5" })).toEqual(["5"]);
    expect(await filtered({ n: { $gte: 2, $lt: 4 } })).toEqual(["3", "2"]);
    expect(await filtered({ n: { $gt: 1 }, tag: { $ne: "y" } })).toEqual(["4", "3"]);
    expect(await filtered({ tag: { $in: ["y", "z"] } })).toEqual(["2"]);
    expect(await filtered({ tag: { $nin: ["x"] } })).toEqual(["5", "4", "2"]);
    expect(await filtered({ tag: { $eq: "x" }, n: { $lte: 1 } })).toEqual(["1"]);
    // Without store.index a query changes nothing, as upstream.
    expect(await keys({ namespace_prefix: ["docs"], query: "anything" })).toEqual(["3", "2", "1"]);
  });

  it("lists namespaces with a prefix, a suffix, '*' for any label, max_depth, limit and offset", async () => {
    await truncate(ALICE);
    for (const ns of [["a", "x", "1"], ["a", "y", "1"], ["a", "y", "2"], ["b", "x"], ["ab"]]) await put(ALICE, ns, "k", {});
    expect(await namespaces(ALICE)).toEqual([["a", "x", "1"], ["a", "y", "1"], ["a", "y", "2"], ["ab"], ["b", "x"]]);
    expect(await namespaces(ALICE, { prefix: ["a"] })).toEqual([["a", "x", "1"], ["a", "y", "1"], ["a", "y", "2"]]);
    expect(await namespaces(ALICE, { suffix: ["x"] })).toEqual([["b", "x"]]);
    expect(await namespaces(ALICE, { prefix: ["*", "y"] })).toEqual([["a", "y", "1"], ["a", "y", "2"]]);
    expect(await namespaces(ALICE, { suffix: ["*", "1"] })).toEqual([["a", "x", "1"], ["a", "y", "1"]]);
    expect(await namespaces(ALICE, { max_depth: 1 })).toEqual([["a"], ["ab"], ["b"]]);
    expect(await namespaces(ALICE, { prefix: ["a"], max_depth: 2 })).toEqual([["a", "x"], ["a", "y"]]);
    expect(await namespaces(ALICE, { max_depth: 2, limit: 2, offset: 1 })).toEqual([["a", "y"], ["ab"]]);
  });

  it("keeps tenants apart: another tenant's items do not exist for the caller, whatever it names; users of a tenant share", async () => {
    for (const key of [ALICE, BOB]) await truncate(key);
    await put(ALICE, ["memories"], "m", { text: "acme's secret" });
    await put(BOB, ["memories"], "other", { text: "globex's" });
    expect(await getItem(BOB, ["memories"], "m")).toBeNull();
    expect((await search(BOB, { namespace_prefix: [] })).map((i) => i.value.text)).toEqual(["globex's"]);
    expect(await namespaces(BOB)).toEqual([["memories"]]);
    // Bob writes and deletes under the same address: his own item, never alice's.
    await put(BOB, ["memories"], "m", { text: "bob's m" });
    expect((await send(BOB, "DELETE", "/store/items", { namespace: ["memories"], key: "m" })).status).toBe(204);
    expect(await getItem(ALICE, ["memories"], "m")).toMatchObject({ value: { text: "acme's secret" } });
    // Carol shares acme's store; truncating empties only the caller's tenant's.
    expect(await getItem(CAROL, ["memories"], "m")).toMatchObject({ value: { text: "acme's secret" } });
    expect((await truncate(CAROL)).status).toBe(200);
    expect(await getItem(ALICE, ["memories"], "m")).toBeNull();
    expect(await getItem(BOB, ["memories"], "other")).toMatchObject({ value: { text: "globex's" } });
  });

  it("gives each run its tenant's store: a graph reading and writing ['memories'] sees only its tenant's, and the API shows them unprefixed", async () => {
    for (const key of [ALICE, BOB]) await truncate(key);
    const remember = async (key: string, text: string) => {
      const state = await sdk(key).runs.wait(null, "memories", { input: { messages: [{ role: "user", content: text }] } });
      return (state as { messages: { content: string }[] }).messages.at(-1)!.content;
    };
    expect(await remember(ALICE, "alpha")).toBe("alpha");
    expect(await remember(BOB, "bravo")).toBe("bravo");
    expect(await remember(CAROL, "charlie")).toBe("alpha | charlie");
    expect(await remember(BOB, "delta")).toBe("bravo | delta");
    expect(await namespaces(ALICE)).toEqual([["memories"]]);
    expect((await search(ALICE, { namespace_prefix: ["memories"] })).map((i) => i.key)).toEqual(["charlie", "alpha"]);
    // What the API puts, the tenant's next run reads.
    await put(BOB, ["memories"], "echo", { text: "echo" });
    expect(await remember(BOB, "foxtrot")).toBe("bravo | delta | echo | foxtrot");
    const { rows } = await t.db.pool.query("SELECT tenant_id, namespace, key FROM store_items ORDER BY tenant_id, key");
    expect(rows).toEqual([
      { tenant_id: "acme", namespace: ["memories"], key: "alpha" }, { tenant_id: "acme", namespace: ["memories"], key: "charlie" },
      { tenant_id: "globex", namespace: ["memories"], key: "bravo" }, { tenant_id: "globex", namespace: ["memories"], key: "delta" },
      { tenant_id: "globex", namespace: ["memories"], key: "echo" }, { tenant_id: "globex", namespace: ["memories"], key: "foxtrot" },
    ]);
  });

  it("records send_email's outbox in the store of the tenant whose run approved it", async () => {
    const asked = await chat(t.url, { message: "please email bob about lunch", assistant_id: "chat" }, { authorization: `Bearer ${ALICE}` });
    const threadId = asked.headers.get("x-thread-id")!;
    const callId = asked.events.find((e) => e.event === "interrupt")!.data.value.action_requests[0].tool_call_id as string;
    const approved = await chat(t.url, { thread_id: threadId, resume: { decision: "approve" } }, { authorization: `Bearer ${ALICE}` });
    expect(approved.events.at(-1)!.data.status).toBe("success");
    expect(await sentEmails(t.db.pool, threadId, "acme")).toEqual([{ thread_id: threadId, tool_call_id: callId, to: "bob@example.com", subject: "Lunch", body: "Noon?" }]);
    expect(await getItem(ALICE, ["outbox", threadId], callId)).toMatchObject({ value: { to: "bob@example.com", tool_call_id: callId } });
    expect(await getItem(BOB, ["outbox", threadId], callId)).toBeNull();
  });

  it("holds, in a served graph outside runs, a store that refuses rather than reach no tenant's items", async () => {
    const graph = await t.service.graphs.get("memories");
    await expect(graph.store!.get(["memories"], "alpha")).rejects.toThrow(/belongs to a run's tenant/);
  });

  it.each([
    ["PUT", { key: "k", value: {} }, "namespace"],
    ["PUT", { namespace: "memories", key: "k", value: {} }, "namespace"],
    ["PUT", { namespace: [], key: "k", value: {} }, "namespace"],
    ["PUT", { namespace: ["a", ""], key: "k", value: {} }, "namespace.1"],
    ["PUT", { namespace: ["a.b"], key: "k", value: {} }, "namespace.0"],
    ["PUT", { namespace: [1], key: "k", value: {} }, "namespace.0"],
    ["PUT", { namespace: ["a\u0000"], key: "k", value: {} }, "namespace.0"],
    ["PUT", { namespace: Array(21).fill("a"), key: "k", value: {} }, "namespace"],
    ["PUT", { namespace: ["a"], key: "k".repeat(2001), value: {} }, "key"],
    ["PUT", { namespace: ["a"], value: {} }, "key"],
    ["PUT", { namespace: ["a"], key: "k\u0000", value: {} }, "key"],
    ["PUT", { namespace: ["a"], key: "k", value: [1] }, "value"],
    ["PUT", { namespace: ["a"], key: "k", value: { text: "nul\u0000" } }, "value"],
    ["PUT", { namespace: ["a"], key: "k", value: {}, index: "text" }, "index"],
    ["PUT", { namespace: ["a"], key: "k", value: {}, ttl: 5 }, "ttl"],
    ["DELETE", { namespace: ["a", ""], key: "k" }, "namespace.1"],
    ["DELETE", { namespace: ["a"] }, "key"],
    ["POST /store/items/search", { filter: {} }, "namespace_prefix"],
    ["POST /store/items/search", { namespace_prefix: ["a."] }, "namespace_prefix.0"],
    ["POST /store/items/search", { namespace_prefix: [], limit: 0 }, "limit"],
    ["POST /store/items/search", { namespace_prefix: [], limit: 1001 }, "limit"],
    ["POST /store/items/search", { namespace_prefix: [], offset: -1 }, "offset"],
    ["POST /store/items/search", { namespace_prefix: [], limit: 1.5 }, "limit"],
    ["POST /store/items/search", { namespace_prefix: [], filter: [1] }, "filter"],
    ["POST /store/items/search", { namespace_prefix: [], filter: { n: { $regex: "x" } } }, "filter.n.$regex"],
    ["POST /store/items/search", { namespace_prefix: [], filter: { n: { $gt: "1" } } }, "filter.n.$gt"],
    ["POST /store/items/search", { namespace_prefix: [], filter: { n: { $in: "x" } } }, "filter.n.$in"],
    ["POST /store/items/search", { namespace_prefix: [], filter: { "n\u0000": 1 } }, "filter"],
    ["POST /store/items/search", { namespace_prefix: [], query: 5 }, "query"],
    ["POST /store/namespaces", { prefix: ["a", ""] }, "prefix.1"],
    ["POST /store/namespaces", { suffix: "a" }, "suffix"],
    ["POST /store/namespaces", { max_depth: 0 }, "max_depth"],
    ["POST /store/namespaces", { limit: 1001 }, "limit"],
  ])("refuses %s %j with a 400 naming %s", async (route, body, field) => {
    const [method, at] = route.includes(" ") ? route.split(" ") : [route, "/store/items"];
    const res = await send(ALICE, method!, at!, body);
    expect([res.status, res.headers.get("content-type")]).toEqual([400, PROBLEM]);
    const problem = await res.json();
    expect(problem.invalid_params.map((p: { name: string }) => p.name)).toContain(field);
    expect(problem.detail).toContain(field);
  });

  it.each([
    ["?key=k", "namespace"],
    ["?namespace=a..b&key=k", "namespace.1"],
    ["?namespace=a", "key"],
    ["?namespace=a&key=k&key=l", "key"],
    ["?namespace=a&key=%00", "key"],
  ])("refuses GET /store/items%s with a 400 naming %s", async (query, field) => {
    const res = await send(ALICE, "GET", `/store/items${query}`);
    expect([res.status, res.headers.get("content-type")]).toEqual([400, PROBLEM]);
    expect((await res.json()).invalid_params.map((p: { name: string }) => p.name)).toContain(field);
  });
});

// The manifest's auth with `store` handlers (test/graphs/store-auth.ts): both identities are in one
// tenant, so the handlers alone keep them apart, as on LangGraph's platform.
describe("the store under the manifest's auth: its store handlers refuse, stamp and filter", () => {
  let t: TestService;
  let manifest: WrittenManifest;
  const send = (token: string, method: string, route: string, body?: unknown) =>
    fetch(`${t.url}${route}`, { method, body: body === undefined ? undefined : JSON.stringify(body), headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
  const put = (token: string, namespace: string[], key: string, value: unknown) => send(token, "PUT", "/store/items", { namespace, key, value });
  const get = (token: string, namespace: string[], key: string) => send(token, "GET", `/store/items?${new URLSearchParams({ namespace: namespace.join("."), key })}`);

  beforeAll(async () => {
    manifest = await writeManifest({ graphs: { memories: path.join(GRAPHS, "memories.ts:graph") }, auth: { path: path.join(GRAPHS, "store-auth.ts:auth") } });
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest.file } });
  });
  afterAll(async () => {
    await t?.close();
    await manifest?.remove();
  });

  it("stores what the put handler stamped, and shows each identity only the items its filter allows", async () => {
    expect((await put("token-alice", ["team"], "plan", { text: "alice's plan" })).status).toBe(204);
    expect(await (await get("token-alice", ["team"], "plan")).json()).toMatchObject({ value: { text: "alice's plan", owner: "alice" } });
    // Bob may not see, replace or delete alice's item: as upstream, a 404.
    for (const res of [await get("token-bob", ["team"], "plan"), await put("token-bob", ["team"], "plan", { text: "bob's" }), await send("token-bob", "DELETE", "/store/items", { namespace: ["team"], key: "plan" })]) {
      expect([res.status, (await res.json()).detail]).toEqual([404, "Item not found."]);
    }
    expect((await put("token-bob", ["team"], "bob-plan", { text: "bob's plan" })).status).toBe(204);
    const texts = async (token: string) => ((await (await send(token, "POST", "/store/items/search", { namespace_prefix: ["team"] })).json()).items as { value: { text: string } }[]).map((i) => i.value.text);
    expect(await texts("token-alice")).toEqual(["alice's plan"]);
    expect(await texts("token-bob")).toEqual(["bob's plan"]);
    expect(await (await get("token-alice", ["team"], "plan")).json()).toMatchObject({ value: { text: "alice's plan" } });
  });

  it("answers a handler's refusal with its status and message, and lists namespaces through its filter", async () => {
    const refused = await put("token-bob", ["private", "alice"], "diary", { text: "x" });
    expect([refused.status, (await refused.json()).detail]).toEqual([403, "Not your private space"]);
    expect((await get("token-bob", ["private", "alice"], "diary")).status).toBe(403);
    expect((await put("token-alice", ["private", "alice"], "diary", { text: "dear diary" })).status).toBe(204);
    expect((await put("token-bob", ["private", "bob"], "diary", { text: "mine" })).status).toBe(204);
    const listed = async (token: string) => (await (await send(token, "POST", "/store/namespaces", {})).json()).namespaces;
    expect(await listed("token-alice")).toEqual([["private", "alice"]]);
    expect(await listed("token-bob")).toEqual([["private", "bob"]]);
  });
});
