import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectProblem } from "./helpers/problem.js";
import { sdkStatus } from "./helpers/sdk-clients.js";
import { startTestService, type TestService } from "./helpers/test-service.js";

const GRAPHS = path.join(path.dirname(fileURLToPath(import.meta.url)), "graphs");
const ALICE = "key-alice-custom";
const BOB = "key-bob-custom-2";
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const json = { "content-type": "application/json" };

type Seen = { configurable: Record<string, unknown> };

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A langgraph.json in a folder of its own naming the echo graph (which answers with its config) and `extra`. */
async function writeManifest(extra: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "threadloom-custom-routes-"));
  dirs.push(dir);
  const manifest = path.join(dir, "langgraph.json");
  const graphs = { echo: `${GRAPHS}/echo-config.ts:graph`, chat: path.join(GRAPHS, "../../graphs/chat.ts:graph") };
  await writeFile(manifest, JSON.stringify({ graphs, ...extra }));
  return manifest;
}

// The manifest's http.app as LangGraph's server mounts it: after authentication, in front of the
// service's routes, its middleware around them (test/graphs/custom-hono.ts).
describe("custom routes: a Hono app as http.app, behind API keys", () => {
  let t: TestService;
  const get = (route: string, headers: Record<string, string> = bearer(ALICE)) => fetch(`${t.url}${route}`, { headers });
  const post = (route: string, body: unknown, headers: Record<string, string> = bearer(ALICE)) =>
    fetch(`${t.url}${route}`, { method: "POST", headers: { ...json, ...headers }, body: JSON.stringify(body) });

  beforeAll(async () => {
    const manifest = await writeManifest({
      http: {
        app: `${GRAPHS}/custom-hono.ts:app`,
        cors: { allow_origins: ["https://app.example"], allow_origin_regex: "https://[a-z0-9]+\\.preview\\.example", allow_credentials: true, expose_headers: ["x-custom-app"] },
      },
    });
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest, API_KEYS: `${ALICE}:acme:alice,${BOB}:globex:bob` } });
  });
  afterAll(() => t?.close());

  it("answers its own routes only to an authenticated caller", async () => {
    await expectProblem(await get("/custom/hello", {}), 401, /API key is required/);
    await expectProblem(await get("/custom/hello", bearer("key-not-known-1")), 401, /not valid/);
    const res = await get("/custom/hello", { ...bearer(ALICE), "x-name": "Alice" });
    expect([res.status, await res.json(), res.headers.get("x-custom-app")]).toEqual([200, { hello: "Alice" }, "seen"]);
  });

  it("wraps the service's routes: its middleware adds headers to their answers, may answer first, and its routes come first", async () => {
    const info = await get("/info");
    expect([info.status, (await info.json()).context, info.headers.get("x-custom-app")]).toEqual([200, "js", "seen"]);
    const searched = await post("/threads/search", {}, { ...bearer(ALICE), "x-answer-here": "1" });
    expect(await searched.json()).toEqual({ answered: "by the custom app", path: "/threads/search" });
    expect(await (await get("/ok")).json()).toEqual({ ok: "from the custom app" });
    // What none of them answers is the service's 404, as a problem.
    const missing = await get("/no/such/route");
    expect(missing.headers.get("x-custom-app")).toBe("seen");
    await expectProblem(missing, 404, /^No route for GET \/no\/such\/route\.$/);
  });

  it("runs with the body its middleware changed, and with the request's x- headers in configurable (not the API key)", async () => {
    const { thread_id } = await (await post("/threads", {})).json();
    const res = await post(`/threads/${thread_id}/runs/wait`, { assistant_id: "echo", input: {}, config: { configurable: { asked: "by client" } } }, {
      "x-api-key": ALICE, "x-tone": "warm",
    });
    expect(res.status).toBe(200);
    const { seen } = (await res.json()) as { seen: Seen };
    expect(seen.configurable).toMatchObject({ asked: "by client", from_custom_app: "hono", "x-tone": "warm" });
    expect(seen.configurable).not.toHaveProperty("x-api-key");
  });

  it("streams: its own streamed answer, and a run's event stream through it", async () => {
    const text = await get("/custom/stream");
    expect([text.headers.get("content-type"), await text.text()]).toEqual(["text/plain; charset=UTF-8", "line 1\nline 2\nline 3\n"]);
    const client = new Client({ apiUrl: t.url, apiKey: ALICE, callerOptions: { maxRetries: 0 } });
    const events: string[] = [];
    for await (const chunk of client.runs.stream(null, "echo", { input: {}, streamMode: "values" })) events.push(chunk.event);
    expect(events).toEqual(["metadata", "values"]);
  });

  it("passes a client's leaving on to the service's route: a streamed run whose client left is cancelled", async () => {
    t.mock.script({ text: "one two three four", stallAfterTokens: 1 });
    const { thread_id } = await (await post("/threads", {})).json();
    const leave = new AbortController();
    const res = await fetch(`${t.url}/threads/${thread_id}/runs/stream`, {
      method: "POST", headers: { ...json, ...bearer(ALICE) }, signal: leave.signal,
      body: JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: "talk" }] }, stream_mode: "messages-tuple" }),
    });
    const runPath = res.headers.get("content-location")!;
    const reader = res.body!.getReader();
    // Wait for the model's first token: the run is then stalled in the model call.
    for (let text = ""; !text.includes("event: messages"); ) text += new TextDecoder().decode((await reader.read()).value);
    leave.abort();
    let status = "running";
    while (status === "running") status = (await (await get(runPath)).json()).status;
    expect(status).toBe("interrupted");
  });

  it("answers an HTTPException with its status, and hides a crash behind the service's opaque 500", async () => {
    const teapot = await get("/custom/teapot");
    expect([teapot.status, await teapot.text()]).toEqual([418, "I am a teapot"]);
    const crash = await get("/custom/crash");
    expect([crash.status, crash.headers.get("content-type")]).toEqual([500, "application/problem+json; charset=utf-8"]);
    const body = await crash.json();
    expect(body).toEqual({ type: "about:blank", title: "Internal Server Error", status: 500, detail: "Something went wrong on our side; the error was logged.", request_id: crash.headers.get("x-request-id") });
  });

  it("lets a LangGraph Client in a custom route act as the caller, in-process; outside a request it is nobody", async () => {
    const made = await (await get("/custom/thread")).json();
    expect(made.metadata).toEqual({ made_by: "a custom route" });
    expect((await get(`/threads/${made.thread_id}`)).status).toBe(200);
    expect((await get(`/threads/${made.thread_id}`, bearer(BOB))).status).toBe(404);
    // This test shares the service's process: a Client without a URL reaches it in-process too, as no one.
    expect(await sdkStatus(new Client({ callerOptions: { maxRetries: 0 } }).threads.search())).toBe(401);
  });

  it("applies http.cors: listed and matching origins, credentials, its exposed headers; other pages are refused", async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/threads`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
    for (const origin of ["https://app.example", "https://pr12.preview.example"]) {
      const res = await preflight(origin);
      expect([res.status, res.headers.get("access-control-allow-origin"), res.headers.get("access-control-allow-credentials")]).toEqual([204, origin, "true"]);
    }
    for (const origin of ["https://evil.example", "https://pr12.preview.example.evil.example"]) expect((await preflight(origin)).headers.get("access-control-allow-origin")).toBeNull();
    const allowed = await post("/threads", {}, { ...bearer(ALICE), origin: "https://app.example" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-expose-headers")?.split(",")).toEqual(expect.arrayContaining(["Content-Location", "x-custom-app"]));
    await expectProblem(await post("/threads", {}, { ...bearer(ALICE), origin: "https://evil.example" }), 403, /Cross-site request refused/);
  });
});

// An Express app or Router does the same, natively: its routes first, its middleware changing the
// parsed body; http.disable_<group> turns the Agent Server's groups off (test/graphs/custom-express.ts).
describe("custom routes: an Express Router as http.app, with built-in route groups turned off", () => {
  let t: TestService;

  beforeAll(async () => {
    const manifest = await writeManifest({ http: { app: `${GRAPHS}/custom-express.ts:router`, disable_meta: true, disable_assistants: true } });
    t = await startTestService({ env: { LANGGRAPH_JSON: manifest } });
  });
  afterAll(() => t?.close());

  it("answers its routes with the caller known, and its middleware's header on the service's answers", async () => {
    const hello = await fetch(`${t.url}/custom/hello`);
    expect([await hello.json(), hello.headers.get("x-custom-app")]).toEqual([{ hello: "from express", owner: "default" }, "express"]);
    const thread = await fetch(`${t.url}/threads`, { method: "POST", headers: json, body: "{}" });
    expect([thread.status, thread.headers.get("x-custom-app")]).toEqual([200, "express"]);
  });

  it("runs with the body its middleware parsed and changed", async () => {
    const client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
    const { thread_id } = await client.threads.create();
    const { seen } = (await client.runs.wait(thread_id, "echo", { input: {} })) as { seen: Seen };
    expect(seen.configurable).toMatchObject({ from_custom_app: "express" });
  });

  it("takes a run's webhook that is a path, in-process", async () => {
    const client = new Client({ apiUrl: t.url, callerOptions: { maxRetries: 0 } });
    const { run_id } = await client.runs.create(null, "echo", { input: {}, webhook: "/custom/hooks" });
    let hooks: { run_id: string; status: string }[] = [];
    while (!hooks.some((h) => h.run_id === run_id)) hooks = await (await fetch(`${t.url}/custom/hooks`)).json();
    expect(hooks.find((h) => h.run_id === run_id)).toMatchObject({ status: "success", values: { seen: expect.any(Object) } });
  });

  it("serves none of a disabled group's routes, and the rest as before", async () => {
    await expectProblem(await fetch(`${t.url}/info`), 404, /^No route for GET \/info\.$/);
    await expectProblem(await fetch(`${t.url}/assistants/search`, { method: "POST", headers: json, body: "{}" }), 404, /No route/);
    await expectProblem(await fetch(`${t.url}/assistants/echo`), 404, /No route/);
    expect((await fetch(`${t.url}/threads/search`, { method: "POST", headers: json, body: "{}" })).status).toBe(200);
    // The native API is not the Agent Server's: its assistants stay.
    expect((await fetch(`${t.url}/api/assistants`)).status).toBe(200);
  });
});
