import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sdkStatus } from "./helpers/sdk-clients.js";
import { chat } from "./helpers/sse-client.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PROBLEM = "application/problem+json; charset=utf-8";

// The manifest's auth module (test/graphs/token-auth.ts) governs both APIs: it says who the caller
// is, and its handlers refuse, filter and stamp what the caller touches, as on LangGraph's platform.
describe("custom authentication: the manifest's auth.path", () => {
  let t: TestService;
  let dir: string;
  const client = (token?: string) => new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 }, defaultHeaders: token ? bearer(token) : {} });
  const get = (route: string, token: string) => fetch(`${t.url}${route}`, { headers: bearer(token) });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-auth-"));
    const manifest = path.join(dir, "langgraph.json");
    await writeFile(manifest, JSON.stringify({ graphs: { whoami: path.join(GRAPHS, "whoami.ts:graph") }, auth: { path: path.join(GRAPHS, "token-auth.ts:auth") } }));
    // A rate limit too, which counts per owner: /info, open to all, has none.
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest, RATE_LIMIT_RPM: "100000" } });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function expectProblem(res: Response, status: number, detail: string, headers: Record<string, string> = {}) {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe(PROBLEM);
    for (const [name, value] of Object.entries(headers)) expect(res.headers.get(name)).toBe(value);
    expect(await res.json()).toEqual({ type: `about:blank#${status === 401 ? "unauthorized" : "forbidden"}`, title: status === 401 ? "Unauthorized" : "Forbidden", status, detail });
  }

  it("answers 401 with the module's message and headers on both APIs, without a token or with a bad one, and runs nothing", async () => {
    const missing = { "www-authenticate": 'Bearer realm="tokens"' };
    const unknown = { "www-authenticate": 'Bearer error="invalid_token"' };
    await expectProblem(await fetch(`${t.url}/api/threads`), 401, "Send Authorization: Bearer <token>", missing);
    await expectProblem(await fetch(`${t.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }), 401, "Send Authorization: Bearer <token>", missing);
    await expectProblem(await get("/api/assistants", "token-mallory"), 401, "Unknown token", unknown);
    await expectProblem(await get("/assistants/whoami", "token-mallory"), 401, "Unknown token", unknown);
    await expectProblem(await fetch(`${t.url}/chat?message=hi`), 401, "Send Authorization: Bearer <token>", missing);
    const posted = await chat(t.url, { message: "hi" }, bearer("token-mallory"));
    expect([posted.status, JSON.parse(posted.body).detail]).toEqual([401, "Unknown token"]);
    expect(await sdkStatus(client().threads.create())).toBe(401);
    expect(await sdkStatus(client("token-mallory").runs.wait(null, "whoami", { input: { messages: [] } }))).toBe(401);
    expect((await t.db.pool.query("SELECT count(*)::int AS n FROM runs")).rows[0].n).toBe(0);
    // As upstream: /info stays open (clients probe it first); health is never behind authentication.
    expect((await fetch(`${t.url}/info`)).status).toBe(200);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it("stamps a new thread with what its create handler sets, and shows threads only where the read and search filters allow", async () => {
    const red = client("token-alice-red");
    const thread = await red.threads.create({ metadata: { project: "zoo" } });
    expect(thread.metadata).toMatchObject({ project: "zoo", team: "red" });
    const { rows } = await t.db.pool.query("SELECT tenant_id, user_id, metadata FROM threads WHERE thread_id = $1", [thread.thread_id]);
    expect(rows).toEqual([{ tenant_id: "default", user_id: "alice", metadata: { project: "zoo", team: "red" } }]);

    // The same identity on the blue team: the thread is missing on every route, listed nowhere.
    const blue = client("token-alice-blue");
    expect(await sdkStatus(blue.threads.get(thread.thread_id))).toBe(404);
    expect(await sdkStatus(blue.threads.getState(thread.thread_id))).toBe(404);
    expect(await sdkStatus(blue.threads.update(thread.thread_id, { metadata: { project: "taken" } }))).toBe(404);
    expect(await sdkStatus(blue.runs.list(thread.thread_id))).toBe(404);
    expect(await sdkStatus(blue.runs.wait(thread.thread_id, "whoami", { input: { messages: [] } }))).toBe(404);
    expect(await sdkStatus(blue.runs.wait(thread.thread_id, "whoami", { input: { messages: [] }, ifNotExists: "create" }))).toBe(404);
    expect((await blue.threads.search()).map((th) => th.thread_id)).not.toContain(thread.thread_id);
    expect(await blue.threads.count()).toBe(0);
    expect((await get(`/api/threads/${thread.thread_id}`, "token-alice-blue")).status).toBe(404);
    expect((await (await get("/api/threads", "token-alice-blue")).json()).total).toBe(0);
    expect(await (await get("/api/threads/export", "token-alice-blue")).text()).toBe("");
    // Another identity: not its owner to begin with.
    expect(await sdkStatus(client("token-bob").threads.get(thread.thread_id))).toBe(404);

    // The red team sees it on both APIs.
    expect((await red.threads.get(thread.thread_id)).metadata).toMatchObject({ team: "red" });
    expect((await red.threads.search({ metadata: { project: "zoo" } })).map((th) => th.thread_id)).toEqual([thread.thread_id]);
    expect((await (await get("/api/threads", "token-alice-red")).json()).threads.map((th: { thread_uuid: string }) => th.thread_uuid)).toContain(thread.thread_id);
    // A copy is a new thread: stamped by the create handler too.
    expect((await red.threads.copy(thread.thread_id)).metadata).toMatchObject({ project: "zoo", team: "red" });
  });

  it("answers 403 when a handler returns false or throws a 403, with its message", async () => {
    const reader = client("token-alice-reader");
    const refused = await fetch(`${t.url}/threads`, { method: "POST", headers: { ...bearer("token-alice-reader"), "content-type": "application/json" }, body: "{}" });
    await expectProblem(refused, 403, "The auth handler for threads:create refused this request.");
    const thread = await client("token-alice-red").threads.create();
    // Reading is allowed (same identity and team); deleting takes a permission neither has.
    expect((await reader.threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
    await expectProblem(await fetch(`${t.url}/threads/${thread.thread_id}`, { method: "DELETE", headers: bearer("token-alice-red") }), 403, "Deleting a thread takes the delete permission");
    await expectProblem(await fetch(`${t.url}/api/threads/${thread.thread_id}`, { method: "DELETE", headers: bearer("token-alice-red") }), 403, "Deleting a thread takes the delete permission");
    expect(await sdkStatus(reader.runs.wait(thread.thread_id, "whoami", { input: { messages: [] } }))).toBe(403);
    expect((await client("token-alice-red").threads.get(thread.thread_id)).thread_id).toBe(thread.thread_id);
  });

  it("stamps assistants and shows each identity only its own, the graphs' included, while runs still name a graph", async () => {
    const alice = client("token-alice-red");
    const bob = client("token-bob");
    const mine = await alice.assistants.create({ graphId: "whoami", name: "Alice's" });
    expect(mine.metadata).toEqual({ owner: "alice" });
    const native = await (await fetch(`${t.url}/api/assistants`, { method: "POST", headers: { ...bearer("token-bob"), "content-type": "application/json" }, body: JSON.stringify({ graph_id: "whoami", name: "Bob's" }) })).json();
    expect(native.metadata).toEqual({ owner: "bob" });

    // Same tenant (neither names one), so only the handlers' filters keep them apart.
    expect((await alice.assistants.search()).map((a) => a.assistant_id)).toEqual([mine.assistant_id]);
    expect((await bob.assistants.search()).map((a) => a.assistant_id)).toEqual([native.assistant_id]);
    expect(await alice.assistants.count()).toBe(1);
    expect(await sdkStatus(bob.assistants.get(mine.assistant_id))).toBe(404);
    expect(await sdkStatus(bob.assistants.update(mine.assistant_id, { metadata: { owner: "bob" } }))).toBe(404);
    expect(await sdkStatus(bob.assistants.delete(mine.assistant_id))).toBe(404);
    expect(await sdkStatus(bob.assistants.get("whoami"))).toBe(404);
    expect((await (await get(`/api/assistants/${mine.assistant_id}`, "token-bob")).status)).toBe(404);
    expect((await (await get("/api/assistants", "token-alice-red")).json()).assistants.map((a: { assistant_id: string }) => a.assistant_id)).toEqual([mine.assistant_id]);
    expect((await fetch(`${t.url}/api/assistants/${mine.assistant_id}`, { method: "DELETE", headers: bearer("token-bob") })).status).toBe(404);
    expect((await alice.assistants.get(mine.assistant_id)).name).toBe("Alice's");

    // An identity naming an organisation is in that tenant: the default tenant's assistants are not there.
    expect(await client("token-carol-acme").assistants.search()).toEqual([]);
    // Upstream does not check the assistant a run names: the graph runs although the filter hides it.
    const values = (await bob.runs.wait(null, "whoami", { input: { messages: [{ role: "user", content: "who?" }] } })) as { messages: { content: string }[] };
    expect(values.messages.at(-1)!.content).toBe('I am bob (["read","write","delete"])');
  });

  it("gives runs the identity in configurable, over anything the client sent, on both APIs", async () => {
    const alice = client("token-alice-red");
    const thread = await alice.threads.create();
    const config = { configurable: { langgraph_auth_user_id: "mallory", langgraph_auth_permissions: ["all"] } };
    const values = (await alice.runs.wait(thread.thread_id, "whoami", { input: { messages: [{ role: "user", content: "who?" }] }, config })) as { messages: { content: string }[] };
    expect(values.messages.at(-1)!.content).toBe('I am alice (["read","write"])');
    const run = (await alice.runs.list(thread.thread_id))[0]!;
    expect(run.metadata).toMatchObject({ team: "red" });

    // /api/chat: a new thread is stamped by threads:create_run, and the run knows who asked.
    const turn = await chat(t.url, { message: "who?" }, bearer("token-alice-red"));
    expect(turn.status).toBe(200);
    expect(turn.events.find((e) => e.event === "message" && e.data.role === "assistant")?.data.content).toBe('I am alice (["read","write"])');
    const threadId = turn.headers.get("x-thread-id")!;
    expect((await (await get(`/api/threads/${threadId}`, "token-alice-red")).json()).metadata).toEqual({ team: "red" });
    // Another team's token finds no such thread, and cannot start it again under that id either.
    const blue = await chat(t.url, { message: "mine now", thread_id: threadId }, bearer("token-alice-blue"));
    expect([blue.status, JSON.parse(blue.body).detail]).toEqual([404, `Thread ${threadId} was not found.`]);
    // The reader may not run anything: its create_run handler says no.
    const reader = await chat(t.url, { message: "hi", thread_id: threadId }, bearer("token-alice-reader"));
    expect([reader.status, JSON.parse(reader.body).detail]).toEqual([403, "The auth handler for threads:create_run refused this request."]);
    const named = await chat(t.url, { message: "hi", thread_id: "my-notes" }, bearer("token-alice-red"));
    expect((await (await get("/api/threads/my-notes", "token-alice-red")).json()).metadata).toEqual({ team: "red" });
    expect(named.status).toBe(200);
    expect((await get("/api/threads/my-notes", "token-alice-blue")).status).toBe(404);
  });
});
