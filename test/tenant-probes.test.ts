import { randomUUID } from "node:crypto";
import { uuid6 } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routesOf } from "./helpers/app-routes.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

// Alice owns everything probed; Carol shares her tenant (acme) but not her threads; Bob is in another
// tenant (globex). Assistants belong to a tenant, so only Bob probes Alice's assistant.
const ALICE = "key-alice-probe1";
const CAROL = "key-carol-probe3";
const BOB = "key-bob-probe-02";
const PROBERS = [["another tenant", BOB], ["another user of the tenant", CAROL]] as const;

/** The ids a probe can name: Alice's, or never-existing ones of the same form. */
interface Ids {
  thread: string;
  run: string;
  nativeRun: string;
  checkpoint: string;
  message: string;
  assistant: string;
  provider: string;
}

interface Request {
  method: string;
  path: string;
  body?: unknown;
}

interface Probe {
  /** A request naming `ids` (Alice's or fresh); `own` is a thread of the prober's own. */
  request: (ids: Ids, own: string) => Request;
  /** Ids a whole tenant shares (assistants): only another tenant probes them. */
  tenantWide?: true;
  /** A stream that only ends when the client leaves (a thread's): its status and headers are compared, its body not read. */
  endless?: true;
}

const get = (path: string): Request => ({ method: "GET", path });
const post = (path: string, body: unknown = {}): Request => ({ method: "POST", path, body });
const input = { messages: [{ role: "user", content: "probe" }] };
/** useChat's body (DefaultChatTransport): a new user message, or a regenerate; `messageId` names the message replaced. */
const uiChat = (id: string, trigger: string, messageId?: string) => ({ id, trigger, messageId, messages: [{ id: "u1", role: "user", parts: [{ type: "text", text: "probe" }] }] });
const streamModes = ["values", "messages-tuple", "updates", "debug", "checkpoints", "tasks"];

/**
 * Every route of both APIs that takes an id, by its router path, with the requests that probe it. A
 * route missing here (and from NO_ID) fails the test: a route added later is probed too.
 */
const PROBES: Record<string, Probe[]> = {
  "POST /api/chat": [
    { request: (ids) => post("/api/chat", { message: "probe", thread_id: ids.thread }) },
    { request: (ids, own) => post("/api/chat", { message: "probe", thread_id: own, checkpoint_id: ids.checkpoint }) },
    { request: (ids) => post("/api/chat", { message: "probe", assistant_id: ids.assistant }), tenantWide: true },
  ],
  "GET /chat": [
    { request: (ids) => get(`/chat?${new URLSearchParams({ message: "probe", thread_id: ids.thread })}`) },
    { request: (ids, own) => get(`/chat?${new URLSearchParams({ message: "probe", thread_id: own, checkpoint_id: ids.checkpoint })}`) },
  ],
  "POST /v1/chat/completions": [
    { request: (ids) => post("/v1/chat/completions", { model: "chat", messages: [{ role: "user", content: "probe" }], metadata: { thread_id: ids.thread } }) },
    { request: (ids) => post("/v1/chat/completions", { model: ids.assistant, messages: [{ role: "user", content: "probe" }] }), tenantWide: true },
  ],
  "POST /api/ui/chat": [
    { request: (ids) => post("/api/ui/chat", uiChat(ids.thread, "submit-message")) },
    { request: (ids, own) => post("/api/ui/chat", uiChat(own, "regenerate-message", ids.message)) },
    { request: (ids) => post("/api/ui/chat", { ...uiChat(randomUUID(), "submit-message"), assistant_id: ids.assistant }), tenantWide: true },
  ],
  "GET /api/ui/chat/:id/stream": [{ request: (ids) => get(`/api/ui/chat/${ids.thread}/stream`) }],
  "GET /api/threads/:id": [{ request: (ids) => get(`/api/threads/${ids.thread}`) }],
  "PATCH /api/threads/:id": [{ request: (ids) => ({ method: "PATCH", path: `/api/threads/${ids.thread}`, body: { title: "probe" } }) }],
  "GET /api/threads/:id/export": [
    { request: (ids) => get(`/api/threads/${ids.thread}/export?format=json`) },
    { request: (ids) => get(`/api/threads/${ids.thread}/export?format=markdown`) },
  ],
  "GET /api/threads/:id/history": [
    { request: (ids) => get(`/api/threads/${ids.thread}/history`) },
    { request: (ids, own) => get(`/api/threads/${own}/history?cursor=${ids.checkpoint}`) },
  ],
  "GET /api/threads/:id/stream": [
    { request: (ids) => get(`/api/threads/${ids.thread}/stream`) },
    { request: (ids, own) => get(`/api/threads/${own}/stream?run_id=${ids.nativeRun}`) },
  ],
  "GET /api/threads/:id/state": [
    { request: (ids) => get(`/api/threads/${ids.thread}/state`) },
    { request: (ids, own) => get(`/api/threads/${own}/state?checkpoint_id=${ids.checkpoint}`) },
  ],
  "POST /api/threads/:id/messages": [{ request: (ids) => post(`/api/threads/${ids.thread}/messages`, { messages: [{ role: "user", content: "probe" }] }) }],
  "POST /api/threads/:id/messages/:message_id/edit": [
    { request: (ids) => post(`/api/threads/${ids.thread}/messages/${ids.message}/edit`, { content: "probe" }) },
    { request: (ids, own) => post(`/api/threads/${own}/messages/${ids.message}/edit`, { content: "probe" }) },
  ],
  "POST /api/threads/:id/messages/:message_id/regenerate": [
    { request: (ids) => post(`/api/threads/${ids.thread}/messages/${ids.message}/regenerate`) },
    { request: (ids, own) => post(`/api/threads/${own}/messages/${ids.message}/regenerate`) },
  ],
  "POST /api/threads/:id/head": [
    { request: (ids) => post(`/api/threads/${ids.thread}/head`, { checkpoint_id: ids.checkpoint }) },
    { request: (ids, own) => post(`/api/threads/${own}/head`, { checkpoint_id: ids.checkpoint }) },
    { request: (ids, own) => post(`/api/threads/${own}/head`, { message_id: ids.message }) },
  ],
  "POST /api/threads/:id/fork": [
    { request: (ids) => post(`/api/threads/${ids.thread}/fork`) },
    { request: (ids, own) => post(`/api/threads/${own}/fork`, { checkpoint_id: ids.checkpoint }) },
  ],
  "GET /api/assistants/:id": [{ request: (ids) => get(`/api/assistants/${ids.assistant}`), tenantWide: true }],
  "PATCH /api/assistants/:id": [{ request: (ids) => ({ method: "PATCH", path: `/api/assistants/${ids.assistant}`, body: { name: "probe" } }), tenantWide: true }],
  "GET /api/assistants/:id/versions": [{ request: (ids) => get(`/api/assistants/${ids.assistant}/versions`), tenantWide: true }],
  // Providers belong to a tenant, like assistants. The PATCH names a provider of the prober's own, so a
  // name taken by Alice's provider does not make a difference either.
  "GET /api/providers/:provider_id": [{ request: (ids) => get(`/api/providers/${ids.provider}`), tenantWide: true }],
  "PATCH /api/providers/:provider_id": [
    { request: (ids) => ({ method: "PATCH", path: `/api/providers/${ids.provider}`, body: { default_model: "probe" } }), tenantWide: true },
    { request: (ids) => ({ method: "PATCH", path: `/api/providers/${ids.provider}`, body: { name: "Alice's provider", api_key: "sk-probe-0123456789" } }), tenantWide: true },
  ],
  "POST /api/providers/:provider_id/test": [{ request: (ids) => post(`/api/providers/${ids.provider}/test`, {}), tenantWide: true }],
  "POST /api/assistants": [{ request: (ids) => post("/api/assistants", { graph_id: "chat", name: "probe", config: { provider_id: ids.provider } }), tenantWide: true }],

  "POST /threads": [
    { request: (ids) => post("/threads", { thread_id: ids.thread, if_exists: "raise", metadata: { probe: 1 } }) },
    { request: (ids) => post("/threads", { thread_id: ids.thread, if_exists: "do_nothing" }) },
  ],
  "POST /threads/search": [{ request: (ids) => post("/threads/search", { ids: [ids.thread] }) }],
  "GET /threads/:id": [{ request: (ids) => get(`/threads/${ids.thread}`) }],
  "PATCH /threads/:id": [{ request: (ids) => ({ method: "PATCH", path: `/threads/${ids.thread}`, body: { metadata: { probed: true } } }) }],
  "POST /threads/:id/copy": [{ request: (ids) => post(`/threads/${ids.thread}/copy`) }],
  "GET /threads/:id/state": [{ request: (ids) => get(`/threads/${ids.thread}/state`) }],
  "GET /threads/:id/state/:checkpoint_id": [
    { request: (ids) => get(`/threads/${ids.thread}/state/${ids.checkpoint}`) },
    { request: (ids, own) => get(`/threads/${own}/state/${ids.checkpoint}`) },
  ],
  "POST /threads/:id/state/checkpoint": [
    { request: (ids) => post(`/threads/${ids.thread}/state/checkpoint`, { checkpoint: { checkpoint_id: ids.checkpoint } }) },
    { request: (ids, own) => post(`/threads/${own}/state/checkpoint`, { checkpoint: { checkpoint_id: ids.checkpoint } }) },
  ],
  "POST /threads/:id/state": [
    { request: (ids) => post(`/threads/${ids.thread}/state`, { values: { messages: [{ role: "user", content: "probe" }] }, as_node: "agent" }) },
    { request: (ids, own) => post(`/threads/${own}/state`, { values: {}, as_node: "agent", checkpoint_id: ids.checkpoint }) },
  ],
  "GET /threads/:id/history": [
    { request: (ids) => get(`/threads/${ids.thread}/history`) },
    { request: (ids, own) => get(`/threads/${own}/history?before=${ids.checkpoint}`) },
  ],
  "POST /threads/:id/history": [
    { request: (ids) => post(`/threads/${ids.thread}/history`, { limit: 5 }) },
    { request: (ids, own) => post(`/threads/${own}/history`, { before: ids.checkpoint }) },
  ],
  "POST /threads/:id/runs": [
    { request: (ids) => post(`/threads/${ids.thread}/runs`, { assistant_id: "chat", input }) },
    { request: (ids) => post(`/threads/${ids.thread}/runs`, { assistant_id: "chat", input, if_not_exists: "create" }) },
    { request: (ids, own) => post(`/threads/${own}/runs`, { assistant_id: "chat", input, checkpoint_id: ids.checkpoint }) },
    { request: (ids, own) => post(`/threads/${own}/runs`, { assistant_id: ids.assistant, input }), tenantWide: true },
  ],
  "POST /threads/:id/runs/stream": [
    { request: (ids) => post(`/threads/${ids.thread}/runs/stream`, { assistant_id: "chat", input }) },
    { request: (ids) => post(`/threads/${ids.thread}/runs/stream`, { assistant_id: "chat", input, if_not_exists: "create", stream_mode: streamModes }) },
    { request: (ids, own) => post(`/threads/${own}/runs/stream`, { assistant_id: "chat", input, checkpoint_id: ids.checkpoint }) },
  ],
  "POST /threads/:id/runs/wait": [
    { request: (ids) => post(`/threads/${ids.thread}/runs/wait`, { assistant_id: "chat", input }) },
    { request: (ids) => post(`/threads/${ids.thread}/runs/wait`, { assistant_id: "chat", input, if_not_exists: "create" }) },
    { request: (ids, own) => post(`/threads/${own}/runs/wait`, { assistant_id: "chat", input, checkpoint: { checkpoint_id: ids.checkpoint } }) },
  ],
  "GET /threads/:id/runs": [{ request: (ids) => get(`/threads/${ids.thread}/runs`) }],
  "GET /threads/:id/runs/:run_id": [
    { request: (ids) => get(`/threads/${ids.thread}/runs/${ids.run}`) },
    { request: (ids, own) => get(`/threads/${own}/runs/${ids.run}`) },
    { request: (ids, own) => get(`/threads/${own}/runs/${ids.nativeRun}`) },
  ],
  "GET /threads/:id/runs/:run_id/join": [
    { request: (ids) => get(`/threads/${ids.thread}/runs/${ids.run}/join`) },
    { request: (ids, own) => get(`/threads/${own}/runs/${ids.run}/join`) },
  ],
  "GET /threads/:id/stream": [{ request: (ids) => get(`/threads/${ids.thread}/stream`), endless: true }],
  "GET /threads/:id/runs/:run_id/stream": [
    { request: (ids) => get(`/threads/${ids.thread}/runs/${ids.run}/stream`) },
    { request: (ids, own) => get(`/threads/${own}/runs/${ids.nativeRun}/stream`) },
  ],
  "POST /threads/:id/runs/:run_id/cancel": [
    { request: (ids) => post(`/threads/${ids.thread}/runs/${ids.run}/cancel`) },
    { request: (ids, own) => post(`/threads/${own}/runs/${ids.run}/cancel?action=rollback`) },
  ],
  "DELETE /threads/:id/runs/:run_id": [
    { request: (ids) => ({ method: "DELETE", path: `/threads/${ids.thread}/runs/${ids.run}` }) },
    { request: (ids, own) => ({ method: "DELETE", path: `/threads/${own}/runs/${ids.nativeRun}` }) },
  ],
  "GET /runs/:run_id/stream": [{ request: (ids) => get(`/runs/${ids.run}/stream`) }, { request: (ids) => get(`/runs/${ids.nativeRun}/stream`) }],
  "POST /runs/cancel": [
    { request: (ids) => post("/runs/cancel", { thread_id: ids.thread, run_ids: [ids.run] }) },
    { request: (ids, own) => post("/runs/cancel", { thread_id: own, run_ids: [ids.nativeRun] }) },
  ],
  "POST /runs": [{ request: (ids) => post("/runs", { assistant_id: ids.assistant, input }), tenantWide: true }],
  "POST /runs/stream": [{ request: (ids) => post("/runs/stream", { assistant_id: ids.assistant, input }), tenantWide: true }],
  "POST /runs/wait": [{ request: (ids) => post("/runs/wait", { assistant_id: ids.assistant, input }), tenantWide: true }],

  "POST /assistants": [
    { request: (ids) => post("/assistants", { graph_id: "chat", assistant_id: ids.assistant, if_exists: "raise", name: "probe" }), tenantWide: true },
    { request: (ids) => post("/assistants", { graph_id: "chat", assistant_id: ids.assistant, if_exists: "do_nothing" }), tenantWide: true },
  ],
  "GET /assistants/:id": [{ request: (ids) => get(`/assistants/${ids.assistant}`), tenantWide: true }],
  "GET /assistants/:id/graph": [{ request: (ids) => get(`/assistants/${ids.assistant}/graph`), tenantWide: true }],
  "GET /assistants/:id/schemas": [{ request: (ids) => get(`/assistants/${ids.assistant}/schemas`), tenantWide: true }],
  "GET /assistants/:id/subgraphs": [{ request: (ids) => get(`/assistants/${ids.assistant}/subgraphs`), tenantWide: true }],
  "GET /assistants/:id/subgraphs/:namespace": [{ request: (ids) => get(`/assistants/${ids.assistant}/subgraphs/tools`), tenantWide: true }],
  "PATCH /assistants/:id": [{ request: (ids) => ({ method: "PATCH", path: `/assistants/${ids.assistant}`, body: { name: "probe" } }), tenantWide: true }],
  "POST /assistants/:id/versions": [{ request: (ids) => post(`/assistants/${ids.assistant}/versions`), tenantWide: true }],
  "POST /assistants/:id/latest": [{ request: (ids) => post(`/assistants/${ids.assistant}/latest`, { version: 1 }), tenantWide: true }],

  // The store is the tenant's: Alice's item lives at ["probe", <her thread id>], under her message's id.
  "GET /store/items": [{ request: (ids) => get(`/store/items?namespace=probe.${ids.thread}&key=${ids.message}`), tenantWide: true }],
  "PUT /store/items": [{ request: (ids) => ({ method: "PUT", path: "/store/items", body: { namespace: ["probe", ids.thread], key: ids.message, value: { probed: true } } }), tenantWide: true }],
  "POST /store/items/search": [
    { request: (ids) => post("/store/items/search", { namespace_prefix: ["probe", ids.thread] }), tenantWide: true },
    { request: (ids) => post("/store/items/search", { namespace_prefix: ["probe"], filter: { secret: ids.message } }), tenantWide: true },
  ],
  "POST /store/namespaces": [{ request: (ids) => post("/store/namespaces", { prefix: ["probe", ids.thread] }), tenantWide: true }],

  // Deletes last, so that the creates above have something of the prober's own to delete in the second pass.
  "DELETE /api/threads/:id": [{ request: (ids) => ({ method: "DELETE", path: `/api/threads/${ids.thread}` }) }],
  "DELETE /threads/:id": [{ request: (ids) => ({ method: "DELETE", path: `/threads/${ids.thread}` }) }],
  "DELETE /api/providers/:provider_id": [{ request: (ids) => ({ method: "DELETE", path: `/api/providers/${ids.provider}` }), tenantWide: true }],
  "DELETE /api/assistants/:id": [{ request: (ids) => ({ method: "DELETE", path: `/api/assistants/${ids.assistant}` }), tenantWide: true }],
  "DELETE /assistants/:id": [{ request: (ids) => ({ method: "DELETE", path: `/assistants/${ids.assistant}` }), tenantWide: true }],
  "DELETE /store/items": [{ request: (ids) => ({ method: "DELETE", path: "/store/items", body: { namespace: ["probe", ids.thread], key: ids.message } }), tenantWide: true }],
};

/** Routes that take no id of anyone's: nothing to probe. */
const NO_ID = new Set([
  "GET /healthz", "GET /readyz", "GET /metrics", "GET /api/status", "GET /ok", "GET /info", "GET /api/threads", "GET /api/threads/export",
  "POST /api/threads/import", "GET /api/assistants", "POST /threads/count", "POST /assistants/search",
  "POST /assistants/count", "GET /v1/models", "GET /api/providers", "POST /api/providers",
  // A graph's generative UI: the manifest's, the same for every caller.
  "POST /ui/:graph", "GET /ui/:graph/:file",
  // The web app's page and icon: the same files for everyone, served before authentication.
  "GET /", "GET /favicon.svg",
  // Over HTTP it only refuses a request that is not an upgrade; its frames' ids are probed in websocket.test.ts.
  "GET /api/ws",
  // The API's description and its docs page: the same for everyone, served before authentication.
  "GET /openapi.json", "GET /docs", "GET /docs/docs.js", "GET /docs/docs.css",
]);

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const TIME = /\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d(:\d\d)?)?/g;

/** A response with the probed ids named by their role, and what differs between any two runs (other ids, times, durations) blanked. */
function normalise(text: string, ids: Ids): string {
  let out = text;
  for (const [role, id] of Object.entries(ids)) out = out.replaceAll(id, `<${role}>`);
  return out
    .replace(/chatcmpl-[\w-]+/g, "<completion>")
    .replace(/"created":\d+/g, '"created":0')
    .replace(UUID, "<uuid>")
    .replace(TIME, "<time>")
    .replace(/"(\w*_ms|latency|ttft)":\s*\d+(\.\d+)?/g, '"$1":0')
    .replace(/\*\*Created\*\*: [^\n]*|\d{4}-\d\d-\d\d/g, "<date>");
}

describe("tenant probes: another owner's id answers exactly as a missing one", () => {
  let t: TestService;
  let alice: Ids;
  const own = new Map<string, string>();

  const send = async (key: string, req: Request, endless = false) => {
    const leave = new AbortController();
    const res = await fetch(`${t.url}${req.path}`, {
      method: req.method,
      headers: { authorization: `Bearer ${key}`, ...(req.body === undefined ? {} : { "content-type": "application/json" }) },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: leave.signal,
    });
    const head = { status: res.status, type: res.headers.get("content-type"), location: res.headers.get("content-location") };
    if (endless && res.ok) {
      leave.abort();
      return { ...head, body: "" };
    }
    return { ...head, body: await res.text() };
  };
  const json = async (key: string, req: Request) => JSON.parse((await send(key, req)).body);
  /** Waits until no run is pending or running (background runs a probe started), so the next probe finds threads free. */
  const settle = async () => {
    while ((await t.db.pool.query("SELECT 1 FROM runs WHERE status IN ('pending', 'running') LIMIT 1")).rowCount) await new Promise((r) => setTimeout(r, 20));
  };

  beforeAll(async () => {
    t = await startTestService({ env: { API_KEYS: `${ALICE}:acme:alice,${CAROL}:acme:carol,${BOB}:globex:bob`, SECRETS_KEY: "a".repeat(64) } });
    // Alice: a native thread (its run records no user), an Agent Server thread and run, a stored assistant.
    const chatted = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { authorization: `Bearer ${ALICE}`, "content-type": "application/json" }, body: JSON.stringify({ message: "alice's secret" }) });
    const nativeThread = chatted.headers.get("x-thread-id")!;
    const nativeRun = chatted.headers.get("x-run-id")!;
    await chatted.text();
    const native = await json(ALICE, get(`/api/threads/${nativeThread}`));
    const thread = (await json(ALICE, post("/threads", {}))).thread_id as string;
    const waited = await send(ALICE, post(`/threads/${thread}/runs/wait`, { assistant_id: "chat", input: { messages: [{ role: "user", content: "alice again" }] } }));
    const run = waited.location!.split("/").at(-1)!;
    const assistant = (await json(ALICE, post("/assistants", { graph_id: "chat", name: "Alice's" }))).assistant_id as string;
    const provider = (await json(ALICE, post("/api/providers", { name: "Alice's provider", base_url: "https://models.example.com/v1", api_key: "sk-alice-provider-secret" }))).provider_id as string;
    alice = { thread, run, nativeRun, checkpoint: native.head_checkpoint_id, message: native.messages[0].id, assistant, provider };
    const stored = await send(ALICE, { method: "PUT", path: "/store/items", body: { namespace: ["probe", thread], key: alice.message, value: { secret: alice.message } } });
    expect(stored.status).toBe(204);
    for (const [, key] of PROBERS) {
      const res = await fetch(`${t.url}/api/chat`, { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ message: "my own" }) });
      own.set(key, res.headers.get("x-thread-id")!);
      await res.text();
    }
  });
  afterAll(() => t.close());

  it("knows how to probe every route of the app", () => {
    const routes = routesOf(t.service.app);
    const unknown = routes.filter((r) => !(r in PROBES) && !NO_ID.has(r));
    expect(unknown, "routes this test cannot probe: add them to PROBES (or NO_ID if they take no id)").toEqual([]);
    expect(Object.keys(PROBES).filter((r) => !routes.includes(r)), "probes of routes that no longer exist").toEqual([]);
  });

  // Each prober runs every probe twice over: once with Alice's ids, once with ids nobody has (a
  // checkpoint id with Alice's timestamp, so that "before" compares alike). The two runs go through
  // the same requests in the same order, so whatever the first creates (a thread of the prober's own
  // under Alice's UUID) the second creates too; a second pass probes again with those in place.
  describe.each(PROBERS)("%s", (_who, key) => {
    it("gets the same status, headers and body for Alice's ids as for ids nobody has", async () => {
      const fresh: Ids = {
        thread: randomUUID(), run: randomUUID(), nativeRun: randomUUID(), message: randomUUID(), assistant: randomUUID(), provider: randomUUID(),
        checkpoint: `${alice.checkpoint.slice(0, 24)}${uuid6(-1).slice(24)}`,
      };
      const mine = own.get(key)!;
      const differences: unknown[] = [];
      const statuses = new Map<number, number>();
      for (const pass of [1, 2]) {
        for (const [route, probes] of Object.entries(PROBES)) {
          for (const [i, probe] of probes.entries()) {
            if (probe.tenantWide && key === CAROL) continue;
            const seen = [];
            for (const ids of [alice, fresh]) {
              const res = await send(key, probe.request(ids, mine), probe.endless);
              await settle();
              seen.push({ status: res.status, type: res.type, location: res.location && normalise(res.location, ids), body: normalise(res.body, ids) });
            }
            statuses.set(seen[0]!.status, (statuses.get(seen[0]!.status) ?? 0) + 1);
            if (JSON.stringify(seen[0]) !== JSON.stringify(seen[1])) differences.push({ pass, route, probe: i, alice: seen[0], nobody: seen[1] });
          }
        }
      }
      expect(differences).toEqual([]);
      // Not vacuous: the probes met 404s, creates that worked, and the prober's own things.
      expect([...statuses.keys()]).toEqual(expect.arrayContaining([200, 404]));
    }, 120_000); // Every route twice over, several of them runs: about 20 s alone, more on a busy machine.
  });

  it("left Alice's things exactly as they were", async () => {
    const native = await json(ALICE, get(`/api/threads/${alice.thread}`));
    expect(native.messages.map((m: { content: string }) => m.content)).toEqual(["alice again", "mock reply"]);
    expect((await json(ALICE, get(`/threads/${alice.thread}/runs/${alice.run}`))).status).toBe("success");
    expect((await json(ALICE, get(`/assistants/${alice.assistant}`))).name).toBe("Alice's");
    expect((await json(ALICE, get(`/store/items?namespace=probe.${alice.thread}&key=${alice.message}`))).value).toEqual({ secret: alice.message });
    expect(await json(ALICE, get(`/api/providers/${alice.provider}`))).toMatchObject({ name: "Alice's provider", default_model: null, api_key: { set: true, last4: "cret" } });
    expect((await t.service.providers.connection("acme", alice.provider))?.apiKey).toBe("sk-alice-provider-secret");
    const { rows } = await t.db.pool.query("SELECT tenant_id, user_id FROM threads WHERE thread_id = $1", [alice.thread]);
    expect(rows).toEqual([{ tenant_id: "acme", user_id: "alice" }]);
  });
});
