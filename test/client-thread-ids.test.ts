import { randomUUID } from "node:crypto";
import { EventSource } from "eventsource";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chat, readSse } from "./helpers/sse-client.js";
import { ALICE, sdkSuite } from "./helpers/sdk-clients.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// The seeds' clients name their threads themselves: a browser page keeps a UUID it made in
// localStorage, a script sends "test-123", another sends a session id such as "user-123".

const RULE = "must be 1 to 128 letters, digits, -, _, . or :, starting with a letter or a digit";
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const userTurns = (messages: { role: string; content: string }[]) => messages.filter((m) => m.role === "user").map((m) => m.content);

/** One turn over a real EventSource on GET /chat: the named events' data, up to `end`. */
async function eventSourceTurn(url: string): Promise<{ type: string; data: any }[]> {
  const es = new EventSource(url);
  const events: { type: string; data: any }[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      for (const type of ["start", "message", "end"]) es.addEventListener(type, (e) => events.push({ type, data: JSON.parse(e.data) }));
      es.addEventListener("end", () => resolve());
      es.addEventListener("error", (e) => reject(new Error(`EventSource failed: ${"data" in e ? String(e.data) : "no connection"}`)));
    });
  } finally {
    es.close();
  }
  return events;
}

describe("threads named by their clients", () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ script: (req) => ({ text: `reply ${req.index + 1}` }) });
  });
  afterAll(() => t.close());
  const json = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${t.url}${path}`, init);
    return { status: res.status, headers: res.headers, body: res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text() };
  };
  const send = (path: string, method: string, body?: unknown) =>
    fetch(`${t.url}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });

  // The seeds' browser page: thread_id = localStorage.getItem('thread_id') || generateUUID().
  it("starts and continues a thread on GET /chat with a UUID the page made", async () => {
    const pageId = randomUUID();
    const first = await eventSourceTurn(`${t.url}/chat?${new URLSearchParams({ message: "my name is Ada", thread_id: pageId })}`);
    expect(first.map((e) => e.type)).toEqual(["start", "message", "message", "end"]);
    expect([first[0].data.thread_id, first.at(-1)!.data.thread_id, first.at(-1)!.data.status]).toEqual([pageId, pageId, "success"]);

    const second = await eventSourceTurn(`${t.url}/chat?${new URLSearchParams({ message: "what is my name?", thread_id: pageId })}`);
    expect([second[0].data.thread_id, second.at(-1)!.data.status]).toEqual([pageId, "success"]);
    // The model was sent the first turn: the second continued the same thread.
    expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual(["my name is Ada", "what is my name?"]);

    const thread = await json(`/api/threads/${pageId}`);
    expect(thread.status).toBe(200);
    expect(thread.body).toMatchObject({ thread_id: pageId, client_thread_id: pageId, message_count: 4 });
    // Its own UUID is another: the page's id names the thread for this owner only.
    expect(thread.body.thread_uuid).toMatch(UUID);
    expect(thread.body.thread_uuid).not.toBe(pageId);
    expect((await json(`/api/threads/${thread.body.thread_uuid}`)).body).toEqual(thread.body);
  });

  // A thread started without an id is as it always was: its id is its UUID.
  it("keeps UUID ids for threads the service names", async () => {
    const res = await chat(t.url, { message: "no id" });
    const id = res.headers.get("x-thread-id")!;
    expect(id).toMatch(UUID);
    expect(res.events[0].data.thread_id).toBe(id);
    expect((await json(`/api/threads/${id}`)).body).toMatchObject({ thread_id: id, thread_uuid: id, client_thread_id: null });
  });

  it("serves every thread route by the client's id, and echoes it", async () => {
    const id = "user-123:contract";
    const started = await chat(t.url, { message: "draft a contract", thread_id: id });
    expect([started.status, started.headers.get("x-thread-id")]).toEqual([200, id]);
    const uuid = (await json(`/api/threads/${id}`)).body.thread_uuid as string;

    const listed = (await json("/api/threads")).body.threads.find((th: { thread_uuid: string }) => th.thread_uuid === uuid);
    expect(listed).toMatchObject({ thread_id: id, client_thread_id: id, title: "draft a contract" });

    const patched = await send(`/api/threads/${id}`, "PATCH", { title: "Contract" });
    expect([patched.status, (await patched.json()).thread_id]).toEqual([200, id]);
    const appended = await send(`/api/threads/${id}/messages`, "POST", { messages: [{ role: "user", content: "noted by hand" }] });
    expect(appended.status).toBe(201);
    const history = await json(`/api/threads/${id}/history`);
    expect([history.status, history.body.checkpoints.length > 0]).toEqual([200, true]);
    const state = await json(`/api/threads/${id}/state`);
    expect([state.status, userTurns(state.body.values.messages)]).toEqual([200, ["draft a contract", "noted by hand"]]);

    const thread = (await json(`/api/threads/${id}`)).body;
    const edited = await readSse(await send(`/api/threads/${id}/messages/${thread.messages[0].id}/edit`, "POST", { content: "draft a lease" }));
    expect([edited.headers.get("x-thread-id"), edited.events[0].data.thread_id, edited.events.at(-1)!.data.thread_id]).toEqual([id, id, id]);
    const afterEdit = (await json(`/api/threads/${id}`)).body;
    const regenerated = await readSse(await send(`/api/threads/${id}/messages/${afterEdit.messages[1].id}/regenerate`, "POST", {}));
    expect([regenerated.headers.get("x-thread-id"), regenerated.events.at(-1)!.data.status]).toEqual([id, "success"]);
    const head = await send(`/api/threads/${id}/head`, "POST", { message_id: thread.messages[0].id });
    expect([head.status, (await head.json()).thread_id]).toEqual([200, id]);

    // A fork is a new thread, named by the service.
    const fork = await send(`/api/threads/${id}/fork`, "POST", {});
    const forked = await fork.json();
    expect(fork.status).toBe(201);
    expect(forked).toMatchObject({ thread_id: forked.thread_uuid, client_thread_id: null });
    expect(forked.thread_uuid).not.toBe(uuid);

    // The export names the client's id, with `:` made safe for a file name.
    const exported = await fetch(`${t.url}/api/threads/${id}/export?format=json`);
    expect(exported.headers.get("content-disposition")).toBe('attachment; filename="thread-user-123_contract.json"');
    expect((await exported.json()).thread).toMatchObject({ thread_id: id, thread_uuid: uuid, client_thread_id: id });
    const markdown = await fetch(`${t.url}/api/threads/${id}/export?format=markdown`);
    expect(markdown.headers.get("content-disposition")).toBe('attachment; filename="thread-user-123_contract.md"');
    expect(await markdown.text()).toContain(`Thread \`${id}\``);
    const imported = await send("/api/threads/import", "POST", await (await fetch(`${t.url}/api/threads/${id}/export?format=json`)).json());
    expect(await imported.json()).toMatchObject({ thread_id: expect.stringMatching(UUID), client_thread_id: null });

    // Deleted, the id is free again: the next message with it starts a new thread, with no memory.
    expect((await send(`/api/threads/${id}`, "DELETE")).status).toBe(204);
    expect((await json(`/api/threads/${id}`)).status).toBe(404);
    const again = await chat(t.url, { message: "hello again", thread_id: id });
    expect(again.headers.get("x-thread-id")).toBe(id);
    expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual(["hello again"]);
    expect((await json(`/api/threads/${id}`)).body.thread_uuid).not.toBe(uuid);
  });

  // Only POST /api/chat and GET /chat start threads; the other routes know only threads that exist.
  it("answers 404 for an id not used yet everywhere else", async () => {
    for (const [path, method] of [["/api/threads/never-used", "GET"], ["/api/threads/never-used/history", "GET"], ["/api/threads/never-used", "DELETE"]]) {
      const res = await json(path, { method });
      expect([res.status, res.body.detail]).toEqual([404, "Thread never-used was not found."]);
    }
    const resumed = await chat(t.url, { thread_id: "never-used", resume: { decision: "approve" } });
    expect([resumed.status, JSON.parse(resumed.body).detail]).toEqual([404, "Thread never-used was not found."]);
  });

  // Two first messages racing with one new id: one starts the thread, the other is told it is busy.
  it("starts one thread when first messages with a new id arrive together", async () => {
    t.mock.script({ text: "slow reply", firstTokenDelayMs: 300 });
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(t.url, { message: `racer ${i}`, thread_id: "race-1" })));
      expect(answers.map((res) => res.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409]);
      for (const res of answers.filter((r) => r.status === 409)) expect(JSON.parse(res.body)).toMatchObject({ detail: expect.stringMatching(/^Thread race-1 already has a run in progress/), running_run_id: expect.any(String) });
    } finally {
      t.mock.script((req) => ({ text: `reply ${req.index + 1}` }));
    }
    const { rows } = await t.db.pool.query("SELECT count(*)::int AS n FROM threads WHERE client_thread_id = 'race-1'");
    expect(rows[0].n).toBe(1);
  });

  describe("ids outside the rules", () => {
    const bad = ["../x", ".", "x".repeat(129), "a b", "é", "", "-x", "a/b"];
    it.each(bad)("POST /api/chat refuses thread_id %j", async (id) => {
      const res = await chat(t.url, { message: "hi", thread_id: id });
      expect([res.status, JSON.parse(res.body).invalid_params]).toEqual([400, [{ name: "thread_id", reason: RULE }]]);
    });
    it.each(bad)("GET /chat refuses thread_id %j", async (id) => {
      const res = await json(`/chat?${new URLSearchParams({ message: "hi", thread_id: id })}`);
      expect([res.status, res.body.invalid_params]).toEqual([400, [{ name: "thread_id", reason: RULE }]]);
    });
    // In a path, `.` and `..` are resolved away by every URL parser before they are sent.
    it.each(["..%2Fx", "x".repeat(129), "a%20b", "%C3%A9", "a:b%2Fc"])("/api/threads/%s refuses the id", async (id) => {
      for (const path of [`/api/threads/${id}`, `/api/threads/${id}/export`, `/api/threads/${id}/history`]) {
        const res = await json(path);
        expect([res.status, res.body.invalid_params]).toEqual([400, [{ name: "id", reason: RULE }]]);
      }
    });

    it("takes every character the rules allow", async () => {
      const id = `a.b:c_d-1${"Z9".repeat(59)}`;
      expect(id).toHaveLength(127);
      const res = await chat(t.url, { message: "hi", thread_id: id });
      expect([res.status, res.headers.get("x-thread-id")]).toEqual([200, id]);
      expect((await json(`/api/threads/${id}`)).body.thread_id).toBe(id);
      expect((await chat(t.url, { message: "hi", thread_id: "a.b:c_d-1" })).status).toBe(200);
    });
  });
});

// The seeds' script: `"thread_id": "test-123"`, turn after turn, and still there after a restart.
describe("a script's own thread id across turns and restarts", () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services.reverse()) await s.close();
  });

  it("remembers test-123 over three turns, the third on a fresh app instance", async () => {
    const a = await startTestService({ script: (req) => ({ text: `answer ${req.index + 1}` }) });
    for (const [n, message] of ["remember 42", "and 43"].entries()) {
      const res = await chat(a.url, { message, thread_id: "test-123" });
      expect([res.status, res.headers.get("x-thread-id"), res.events[0].data.thread_id, res.events.at(-1)!.data]).toEqual([
        200, "test-123", "test-123", expect.objectContaining({ type: "end", thread_id: "test-123", status: "success" }),
      ]);
      expect(userTurns(a.mock.requests[n].messages)).toEqual(["remember 42", "and 43"].slice(0, n + 1));
    }
    const before = await (await fetch(`${a.url}/api/threads/test-123`)).json();
    await a.close();

    const b = await startTestService({ db: a.db, script: { text: "you said 42 and 43" } });
    services.push(b);
    const res = await chat(b.url, { message: "what did I say?", thread_id: "test-123" });
    expect([res.headers.get("x-thread-id"), res.events.at(-1)!.data.status]).toEqual(["test-123", "success"]);
    expect(b.mock.requests[0].messages.slice(1).map((m: { role: string; content: string }) => `${m.role}: ${m.content}`)).toEqual([
      "user: remember 42", "assistant: answer 1", "user: and 43", "assistant: answer 2", "user: what did I say?",
    ]);
    const after = await (await fetch(`${b.url}/api/threads/test-123`)).json();
    expect(after).toMatchObject({ thread_id: "test-123", thread_uuid: before.thread_uuid, client_thread_id: "test-123", message_count: 6 });
    const { rows } = await a.db.pool.query("SELECT count(*)::int AS n FROM threads");
    expect(rows[0].n).toBe(1);
  });
});

// Two tenants whose users both name a thread "user-123" (and are both called user-123).
describe("the same client id in two tenants", () => {
  const A = "key-tenant-a-0001";
  const B = "key-tenant-b-0002";
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: `${A}:acme:user-123,${B}:globex:user-123` }, script: (req) => ({ text: `reply ${req.index + 1}` }) });
  });
  afterAll(() => t.close());
  const as = (key: string) => ({ authorization: `Bearer ${key}` });
  const get = async (key: string, path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: as(key) });
    return { status: res.status, body: await res.json() };
  };
  /** What a response looks like apart from its values: status, and the keys at each level. */
  const shape = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(shape) : value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)])) : typeof value;

  it("keeps two threads apart, answering both tenants alike", async () => {
    const a1 = await chat(t.url, { message: "acme's secret plan", thread_id: "user-123" }, as(A));
    const b1 = await chat(t.url, { message: "globex's own words", thread_id: "user-123" }, as(B));
    // Globex's first turn started a thread: the model saw none of acme's.
    expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual(["globex's own words"]);
    const a2 = await chat(t.url, { message: "acme again", thread_id: "user-123" }, as(A));
    expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual(["acme's secret plan", "acme again"]);
    const b2 = await chat(t.url, { message: "globex again", thread_id: "user-123" }, as(B));
    expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual(["globex's own words", "globex again"]);
    for (const res of [a1, b1, a2, b2]) {
      expect([res.status, res.headers.get("x-thread-id"), res.events.map((e) => e.event)]).toEqual([200, "user-123", a1.events.map((e) => e.event)]);
      expect(res.events.at(-1)!.data).toMatchObject({ type: "end", thread_id: "user-123", status: "success" });
    }

    const threadA = await get(A, "/api/threads/user-123");
    const threadB = await get(B, "/api/threads/user-123");
    expect(userTurns(threadA.body.messages)).toEqual(["acme's secret plan", "acme again"]);
    expect(userTurns(threadB.body.messages)).toEqual(["globex's own words", "globex again"]);
    expect(threadA.body.thread_uuid).not.toBe(threadB.body.thread_uuid);
    const { rows } = await t.db.pool.query("SELECT count(DISTINCT thread_id)::int AS n FROM messages");
    expect(rows[0].n).toBe(2);

    // Every route answers both with the same status and shape.
    for (const path of ["/api/threads/user-123", "/api/threads", "/api/threads/user-123/history", "/api/threads/user-123/state", "/api/threads/user-123/export", "/api/threads/nobody-1"]) {
      const [ra, rb] = [await get(A, path), await get(B, path)];
      expect([rb.status, shape(rb.body)], path).toEqual([ra.status, shape(ra.body)]);
    }
    expect((await get(B, "/api/threads")).body.threads.map((th: { thread_id: string }) => th.thread_id)).toEqual(["user-123"]);
  });

  // Another tenant's thread UUID is, for globex, an id it has not used: a new thread of its own.
  it("gives another tenant's thread UUID a fresh thread, exactly as an unused UUID", async () => {
    const acme = (await get(A, "/api/threads/user-123")).body;
    const unused = randomUUID();
    for (const id of [acme.thread_uuid, unused]) {
      for (const path of [`/api/threads/${id}`, `/api/threads/${id}/history`]) {
        const res = await get(B, path);
        expect([res.status, res.body.detail]).toEqual([404, `Thread ${id} was not found.`]);
      }
      const agent = await fetch(`${t.url}/threads/${id}`, { headers: as(B) });
      expect(agent.status).toBe(404);
      const res = await chat(t.url, { message: `hello ${id}`, thread_id: id }, as(B));
      expect([res.status, res.headers.get("x-thread-id"), res.events.at(-1)!.data.status]).toEqual([200, id, "success"]);
      expect(userTurns(t.mock.requests.at(-1)!.messages)).toEqual([`hello ${id}`]);
      const mine = (await get(B, `/api/threads/${id}`)).body;
      expect(mine).toMatchObject({ thread_id: id, client_thread_id: id, message_count: 2 });
      expect(mine.thread_uuid).not.toBe(acme.thread_uuid);
    }
    // Acme's thread is as it was.
    expect((await get(A, "/api/threads/user-123")).body).toEqual(acme);
  });
});

// Each thread has one UUID, its id in the Agent Server API; native routes take it too.
describe("native ids and Agent Server ids", () => {
  const s = sdkSuite();
  const native = (path: string, init: RequestInit = {}) => fetch(`${s.t.url}${path}`, { ...init, headers: { "x-api-key": ALICE, "content-type": "application/json", ...init.headers } });

  it("reaches a thread named natively by its thread_uuid on the Agent Server routes", async () => {
    await chat(s.t.url, { message: "hello from a script", thread_id: "test-123" }, { "x-api-key": ALICE });
    const mirror = await (await native("/api/threads/test-123")).json();
    const thread = await s.alice.threads.get(mirror.thread_uuid);
    expect(thread).toMatchObject({ thread_id: mirror.thread_uuid, client_thread_id: "test-123", status: "idle" });
    expect((thread.values as { messages: { content: string }[] }).messages.map((m) => m.content)).toEqual(["hello from a script", "mock reply"]);
    // The Agent Server API keeps its contract: UUIDs only.
    expect((await fetch(`${s.t.url}/threads/test-123`, { headers: { "x-api-key": ALICE } })).status).toBe(400);

    // A run there continues the same thread, which native clients still reach by their id.
    await s.alice.runs.wait(mirror.thread_uuid, "chat", { input: { messages: [{ role: "user", content: "and from the SDK" }] } });
    const after = await (await native("/api/threads/test-123")).json();
    expect(userTurns(after.messages)).toEqual(["hello from a script", "and from the SDK"]);
    const searched = await s.alice.threads.search({ ids: [mirror.thread_uuid] });
    expect(searched.map((th) => [th.thread_id, (th as { client_thread_id?: string }).client_thread_id])).toEqual([[mirror.thread_uuid, "test-123"]]);
  });

  it("reaches a thread the Agent Server API made by its UUID on the native routes", async () => {
    const created = await s.alice.threads.create();
    expect((created as { client_thread_id?: string | null }).client_thread_id).toBeNull();
    const res = await chat(s.t.url, { message: "continuing natively", thread_id: created.thread_id }, { "x-api-key": ALICE });
    expect([res.status, res.headers.get("x-thread-id"), res.events.at(-1)!.data.thread_id]).toEqual([200, created.thread_id, created.thread_id]);
    const mirror = await (await native(`/api/threads/${created.thread_id}`)).json();
    expect(mirror).toMatchObject({ thread_id: created.thread_id, thread_uuid: created.thread_id, client_thread_id: null, message_count: 2 });
    const state = await s.alice.threads.getState(created.thread_id);
    expect((state.values as { messages: { content: string }[] }).messages.map((m) => m.content)).toEqual(["continuing natively", "mock reply"]);
    // Bob's key reaches neither, by either id.
    expect((await native(`/api/threads/${created.thread_id}`, { headers: { "x-api-key": "key-bbbbbbbb" } })).status).toBe(404);
    expect((await native("/api/threads/test-123", { headers: { "x-api-key": "key-bbbbbbbb" } })).status).toBe(404);
  });
});
