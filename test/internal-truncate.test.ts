import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALICE, BOB, sdkStatus } from "./helpers/sdk-clients.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const KEYS = { API_KEYS: `${ALICE}:tenantA:alice,${BOB}:tenantB:bob` };
const human = (content: string) => ({ messages: [{ role: "user", content }] });

const truncate = (t: TestService, apiKey: string, flags: Record<string, unknown>) =>
  fetch(`${t.url}/internal/truncate`, { method: "POST", headers: { "content-type": "application/json", "x-api-key": apiKey }, body: JSON.stringify(flags) });

// LangGraph's test hook, which its Agent Server suite resets the server with before its tests.
describe("POST /internal/truncate", () => {
  let t: TestService;
  let alice: Client;
  let bob: Client;
  beforeAll(async () => {
    t = await startTestService({ env: { ...KEYS, INTERNAL_TRUNCATE_ENABLED: "1" } });
    const client = (apiKey: string) => new Client({ apiUrl: t.url, apiKey, callerOptions: { maxRetries: 0 } });
    alice = client(ALICE);
    bob = client(BOB);
  });
  afterAll(() => t?.close());

  /** A thread of the client's with one finished run, and a stored assistant. */
  async function someData(client: Client) {
    const { thread_id } = await client.threads.create();
    await client.runs.wait(thread_id, "chat", { input: human("hello") });
    const assistant = await client.assistants.create({ graphId: "chat", name: "mine" });
    return { threadId: thread_id, assistantId: assistant.assistant_id };
  }
  const checkpointsOf = async (threadId: string) => (await t.db.pool.query("SELECT 1 FROM langgraph.checkpoints WHERE thread_id = $1", [threadId])).rowCount;

  it("threads: the caller's threads go with their runs and checkpoints; another owner's stay", async () => {
    const mine = await someData(alice);
    const theirs = await someData(bob);
    const res = await truncate(t, ALICE, { threads: true });
    expect([res.status, await res.json()]).toEqual([200, { ok: true }]);
    expect(await alice.threads.search()).toEqual([]);
    expect(await sdkStatus(alice.threads.get(mine.threadId))).toBe(404);
    expect(await checkpointsOf(mine.threadId)).toBe(0);
    expect((await t.db.pool.query("SELECT 1 FROM runs WHERE thread_id = $1", [mine.threadId])).rowCount).toBe(0);
    // Bob's thread, its runs and state, and Alice's assistant are untouched.
    expect((await bob.threads.get(theirs.threadId)).status).toBe("idle");
    expect(await bob.runs.list(theirs.threadId)).toHaveLength(1);
    expect(await checkpointsOf(theirs.threadId)).toBeGreaterThan(0);
    expect((await alice.assistants.get(mine.assistantId)).name).toBe("mine");
  });

  it("runs: the caller's runs go, a queued one stopped first; threads and state stay", async () => {
    const mine = await someData(alice);
    const later = await alice.runs.create(mine.threadId, "chat", { input: human("later"), afterSeconds: 300 });
    const theirs = await someData(bob);
    expect((await truncate(t, ALICE, { runs: true })).status).toBe(200);
    expect(await alice.runs.list(mine.threadId)).toEqual([]);
    expect(await sdkStatus(alice.runs.get(mine.threadId, later.run_id))).toBe(404);
    const thread = await alice.threads.get<{ messages: unknown[] }>(mine.threadId);
    expect([thread.status, thread.values.messages.length]).toEqual(["idle", 2]);
    expect(await bob.runs.list(theirs.threadId)).toHaveLength(1);
  });

  it("checkpoint (or checkpointer): the caller's threads are emptied, state and mirror; assistants: the tenant's stored ones go, each graph's stays", async () => {
    const mine = await someData(alice);
    const theirs = await someData(bob);
    expect((await truncate(t, ALICE, { checkpoint: true, assistants: true, store: true })).status).toBe(200);
    expect(await checkpointsOf(mine.threadId)).toBe(0);
    expect((await alice.threads.getState(mine.threadId)).values).toEqual({});
    const mirror = await (await fetch(`${t.url}/api/threads/${mine.threadId}`, { headers: { "x-api-key": ALICE } })).json();
    expect([mirror.messages, mirror.head_checkpoint_id]).toEqual([[], null]);
    expect(await sdkStatus(alice.assistants.get(mine.assistantId))).toBe(404);
    expect((await alice.assistants.search()).map((a) => a.graph_id).sort()).toEqual(["chat", "draft"]);
    // A thread emptied is a thread as new: it runs again.
    await alice.runs.wait(mine.threadId, "chat", { input: human("again") });
    expect((await alice.threads.getState<{ messages: unknown[] }>(mine.threadId)).values.messages).toHaveLength(2);
    expect(await checkpointsOf(theirs.threadId)).toBeGreaterThan(0);
    expect((await bob.assistants.get(theirs.assistantId)).name).toBe("mine");

    expect((await truncate(t, ALICE, { checkpointer: true })).status).toBe(200);
    expect(await checkpointsOf(mine.threadId)).toBe(0);
  });

  it("store: the caller's tenant's items go; another tenant's stay", async () => {
    await alice.store.putItem(["notes"], "a", { v: 1 });
    await bob.store.putItem(["notes"], "b", { v: 2 });
    expect((await truncate(t, ALICE, { store: true })).status).toBe(200);
    expect(await alice.store.searchItems([])).toEqual({ items: [] });
    expect(await alice.store.listNamespaces()).toEqual({ namespaces: [] });
    expect((await bob.store.getItem(["notes"], "b"))?.value).toEqual({ v: 2 });
  });

  it("refuses a body it does not know with 400", async () => {
    expect((await truncate(t, ALICE, { threads: "yes" })).status).toBe(400);
    expect((await truncate(t, ALICE, { everything: true })).status).toBe(400);
  });
});

describe("POST /internal/truncate without INTERNAL_TRUNCATE_ENABLED", () => {
  it("is a 404 like any unknown route, and empties nothing", async () => {
    const t = await startTestService({ env: KEYS });
    try {
      const alice = new Client({ apiUrl: t.url, apiKey: ALICE, callerOptions: { maxRetries: 0 } });
      const { thread_id } = await alice.threads.create();
      const res = await truncate(t, ALICE, { threads: true });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ type: "about:blank#not_found", detail: "No route for POST /internal/truncate." });
      expect((await alice.threads.get(thread_id)).thread_id).toBe(thread_id);
    } finally {
      await t.close();
    }
  });
});
