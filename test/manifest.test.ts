import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { escapeRegExp } from "./helpers/escape-reg-exp.js";
import { freePort, type ServiceProcess, spawnService, startServiceProcess } from "./helpers/service-process.js";
import { expectStartUpError } from "./helpers/start-up-in-process.js";
import { createTestDatabase, type TestDatabase } from "./helpers/test-database.js";

// The manifest as `npm start` reads it: its graphs in any folder, in TypeScript, with the project's
// LangGraph; a wrong one stops start-up with one line naming the graph and the problem, and exit
// code 1, before anything else started. What only Node's own loader decides (CommonJS, an import
// that throws), one error end to end, and the services that start are real `npm start` processes;
// the other errors run main's start-up in this process (a process costs seconds of CPU each).
let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});

/** Writes `files` into a new folder outside the project; returns the manifest's path. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "threadloom-manifest-"));
  // An ES module project, as LangGraph's templates are ("type": "module"), unless the test says otherwise.
  for (const [name, text] of Object.entries({ "package.json": '{ "type": "module" }', ...files })) await writeFile(join(dir, name), text);
  return join(dir, "langgraph.json");
}

const manifest = (graphs: Record<string, string>) => JSON.stringify({ graphs });

function env(manifestPath: string): NodeJS.ProcessEnv {
  const vars: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.url, LANGGRAPH_JSON: manifestPath };
  for (const name of ["OPENAI_API_KEY", "OPENAI_BASE_URL", "API_KEYS", "HOST"]) delete vars[name];
  return vars;
}

/** `npm start` on the manifest, run until it exits by itself: exit code and stderr's lines. */
async function npmStartFails(manifestPath: string) {
  const service = spawnService({ ...env(manifestPath), PORT: String(await freePort()) });
  const code = await service.exited;
  return { code, lines: service.stderr().trim().split("\n"), stdout: service.stdout() };
}

/** Start-up in this process, with the environment `npm start` would have here (`vars` on top). */
const startUpStops = (manifestPath: string, expected: string | RegExp, vars: Record<string, string> = {}) => expectStartUpError({ ...env(manifestPath), ...vars }, expected);

const COUNTER = `import { Annotation, StateGraph } from "@langchain/langgraph";
export const graph = new StateGraph(Annotation.Root({ n: Annotation<number> })).addNode("one", () => ({ n: 1 })).addEdge("__start__", "one").compile();`;

// An auth module outside the project, with no node_modules: the SDK's Auth is the project's, as for graphs.
const TOKEN_AUTH = `import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
export const auth = new Auth().authenticate(async (request: Request) => {
  if (request.headers.get("authorization") !== "Bearer open-sesame") throw new HTTPException(401, { message: "Say the word" });
  return "ali";
});`;

describe("a manifest that does not work", () => {
  // In a process of its own, as `npm start`: what Node's loader decides, and main's first step.
  it.each([
    ["is not there", {}, (dir: string) => `${dir}/langgraph.json: the graph manifest does not exist (set LANGGRAPH_JSON to its path)`],
    ["names a file that would load as CommonJS", { "langgraph.json": manifest({ counter: "./counter.ts:graph" }), "counter.ts": COUNTER, "package.json": "{}" }, (dir: string) => `graph "counter" (./counter.ts:graph): ${dir}/counter.ts would load as CommonJS (${dir}/package.json has no "type": "module"); graphs are ES modules: name it ${dir}/counter.mts, or set "type": "module" in its package.json`],
    ["names a file whose import throws", { "langgraph.json": manifest({ broken: "./broken.ts:graph" }), "broken.ts": 'throw new Error("no API key for the weather service");\nexport const graph = 1;' }, (dir: string) => `graph "broken" (./broken.ts:graph): importing ${dir}/broken.ts threw: no API key for the weather service`],
  ])("stops npm start in one line, exit code 1, when the manifest %s", async (_, files, expected) => {
    const path = await project(files as Record<string, string>);
    const { code, lines } = await npmStartFails(path);
    expect(code).toBe(1);
    expect(lines).toEqual([expected(join(path, ".."))]);
  }, 60_000);

  it.each([
    ["is not JSON", { "langgraph.json": "{ graphs: " }, (dir: string) => new RegExp(`^${escapeRegExp(dir)}/langgraph\\.json: the graph manifest is not valid JSON \\(Expected property name .* at position 2.*\\)$`)],
    ["lists no graphs", { "langgraph.json": JSON.stringify({ graphs: {} }) }, (dir: string) => `${dir}/langgraph.json: graphs must list at least one graph`],
    ["names a file that is not there", { "langgraph.json": manifest({ counter: "./missing.ts:graph" }) }, (dir: string) => `graph "counter" (./missing.ts:graph): ${dir}/missing.ts does not exist`],
    ["names an export the file has not got", { "langgraph.json": manifest({ counter: "./counter.ts:graf" }), "counter.ts": COUNTER }, (dir: string) => `graph "counter" (./counter.ts:graf): ${dir}/counter.ts has no export "graf" (it exports graph)`],
    ["names something that is not a graph", { "langgraph.json": manifest({ answer: "./answer.ts:answer" }), "answer.ts": "export const answer = { value: 42 };" }, () => `graph "answer" (./answer.ts:answer): export "answer" is not a graph: expected a compiled graph, a StateGraph, createAgent's agent, or a function returning one (got a plain object)`],
    ["names an http.app that is no app", { "langgraph.json": JSON.stringify({ graphs: { counter: "./counter.ts:graph" }, http: { app: "./app.ts:app" } }), "counter.ts": COUNTER, "app.ts": "export const app = { routes: {} };" }, () => `http.app (./app.ts:app): export "app" is not a Hono app (new Hono()) nor an Express app or Router (got an object that is not a Hono app)`],
  ])("stops start-up when the manifest %s", async (_, files, expected) => {
    const path = await project(files as Record<string, string>);
    await startUpStops(path, expected(join(path, "..")));
  });

  it("stops start-up when DEFAULT_ASSISTANT_ID is not one of its graphs", async () => {
    const path = await project({ "langgraph.json": manifest({ counter: "./counter.ts:graph" }), "counter.ts": COUNTER });
    await startUpStops(path, `DEFAULT_ASSISTANT_ID: "chat" is not a graph of ${path} (it lists counter)`, { DEFAULT_ASSISTANT_ID: "chat" });
  });
});

// LANGGRAPH_CONFIG, each graph's defaults, set in the environment or by the manifest's env.
describe("a LANGGRAPH_CONFIG that does not work", () => {
  it.each([
    ["is not JSON, set by the manifest", { env: { LANGGRAPH_CONFIG: "{counter: 1}" } }, {}, /^LANGGRAPH_CONFIG: not valid JSON \(Expected property name .*\)$/],
    ["gives a graph no object", {}, { LANGGRAPH_CONFIG: '{"counter": ["a"]}' }, /^LANGGRAPH_CONFIG: counter: must be an object \(the graph's config, and its context\)$/],
    ["gives a graph's configurable no object", {}, { LANGGRAPH_CONFIG: '{"counter": {"configurable": 5}}' }, /^LANGGRAPH_CONFIG: counter\.configurable: must be an object$/],
  ])("stops start-up when LANGGRAPH_CONFIG %s", async (_, extra, vars, expected) => {
    const path = await project({ "langgraph.json": JSON.stringify({ graphs: { counter: "./counter.ts:graph" }, ...extra }), "counter.ts": COUNTER });
    await startUpStops(path, expected, vars);
  });
});

describe("npm run dev:service", () => {
  const graphFile = (value: string) => `import { Annotation, StateGraph } from "@langchain/langgraph";
export const graph = new StateGraph(Annotation.Root({ v: Annotation<string> })).addNode("n", () => ({ v: "${value}" })).addEdge("__start__", "n").compile();`;

  it("serves a graph's new code once its file changes", async () => {
    const path = await project({ "langgraph.json": manifest({ g: "./g.ts:graph" }), "g.ts": graphFile("one") });
    const port = await freePort();
    // Its own process group: npm, tsx's watcher and the service it restarts all stop together.
    const child = spawn("npm", ["run", "dev:service"], { env: { ...env(path), PORT: String(port) }, detached: true, stdio: "ignore" });
    const run = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/runs/wait`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ assistant_id: "g", input: {} }) });
      return res.ok ? ((await res.json()) as { v: string }).v : `HTTP ${res.status}`;
    };
    try {
      await vi.waitFor(async () => expect(await run()).toBe("one"), { timeout: 30_000, interval: 250 });
      await writeFile(join(path, "..", "g.ts"), graphFile("two"));
      await vi.waitFor(async () => expect(await run()).toBe("two"), { timeout: 30_000, interval: 250 });
    } finally {
      process.kill(-child.pid!, "SIGTERM");
      if (child.exitCode === null) await once(child, "exit");
    }
  }, 90_000);
});

describe("the manifest's auth (auth.path)", () => {
  const withAuth = (spec: string) => JSON.stringify({ graphs: { counter: "./counter.ts:graph" }, auth: { path: spec } });

  it.each([
    ["names a file that is not there", { "auth.ts": "" }, "./missing.ts:auth", (dir: string) => `auth (./missing.ts:auth): ${dir}/missing.ts does not exist`],
    ["names something that is not an Auth", { "auth.ts": "export const auth = { token: 1 };" }, "./auth.ts:auth", () => `auth (./auth.ts:auth): export "auth" is not an Auth of @langchain/langgraph-sdk/auth (export new Auth().authenticate(...))`],
    ["names an Auth that authenticates nobody", { "auth.ts": 'import { Auth } from "@langchain/langgraph-sdk/auth";\nexport const auth = new Auth().on("*", () => true);' }, "./auth.ts:auth", () => `auth (./auth.ts:auth): export "auth" has no authenticate handler: call .authenticate(async (request) => identity) on it`],
    ["names an export the file has not got", { "auth.ts": TOKEN_AUTH }, "./auth.ts:guard", (dir: string) => `auth (./auth.ts:guard): ${dir}/auth.ts has no export "guard" (it exports auth)`],
  ])("stops start-up in one line when it %s", async (_, files, spec, expected) => {
    const path = await project({ "langgraph.json": withAuth(spec), "counter.ts": COUNTER, ...files });
    await startUpStops(path, expected(join(path, "..")));
  });

  it("stops start-up in one line when API_KEYS is set too: only one may authenticate", async () => {
    const path = await project({ "langgraph.json": withAuth("./auth.ts:auth"), "counter.ts": COUNTER, "auth.ts": TOKEN_AUTH });
    await startUpStops(path, `API_KEYS and the manifest's auth (./auth.ts:auth) are both set, and only one may authenticate: unset API_KEYS, or remove "auth" from ${path}`, { API_KEYS: "key-0123456789:acme:alice" });
  });
});

// One `npm start` (Node's loader, with the project's packages for files outside it) serves both.
describe("a manifest outside the project, with its auth", () => {
  let service: ServiceProcess;
  beforeAll(async () => {
    const path = await project({
      "langgraph.json": JSON.stringify({ graphs: { greeter: "./greeter.ts:graph", counter: "./counter.ts:graph" }, env: { GREETING: "Ahoy" }, auth: { path: "./auth.ts:auth" } }),
      // No node_modules here: @langchain/langgraph is the project's, and so is its Command.
      "greeter.ts": `import { Annotation, Command, StateGraph } from "@langchain/langgraph";
const State = Annotation.Root({ name: Annotation<string>, greeting: Annotation<string> });
const greeting: string = process.env.GREETING ?? "unset";
export const graph = new StateGraph(State)
  .addNode("greet", (s: typeof State.State) => new Command({ update: { greeting: greeting + ", " + s.name } }))
  .addEdge("__start__", "greet");`,
      "counter.ts": COUNTER,
      "auth.ts": TOKEN_AUTH,
    });
    service = await startServiceProcess(env(path));
    return async () => expect(await service.stop()).toBe(0);
  }, 60_000);

  const wait = (assistantId: string, input: object, headers: Record<string, string> = {}) =>
    fetch(`${service.url}/runs/wait`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ assistant_id: assistantId, input }) });

  it("serves its TypeScript graphs with the project's LangGraph, and applies its env first", async () => {
    const res = await wait("greeter", { name: "Ada" }, { authorization: "Bearer open-sesame" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ name: "Ada", greeting: "Ahoy, Ada" });
  });

  it("authenticates with a module outside the project, written in TypeScript", async () => {
    const refused = await wait("counter", {});
    expect([refused.status, (await refused.json()).detail]).toEqual([401, "Say the word"]);
    const res = await wait("counter", {}, { authorization: "Bearer open-sesame" });
    expect([res.status, await res.json()]).toEqual([200, { n: 1 }]);
    expect(service.logs()).toContain('"msg":"custom authentication: ./auth.ts:auth"');
  });
});
