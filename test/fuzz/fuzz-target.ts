import { residentSetBytes } from "../../src/db/process-info.js";
import { startMockOpenAI, type MockOpenAI } from "../helpers/mock-openai.js";
import { startServiceProcess, type ServiceProcess } from "../helpers/service-process.js";
import type { FuzzIds } from "./route-generators.js";

/** The key the fuzz sends; another tenant's key exists too, so ownership checks have someone to keep out. */
export const FUZZ_API_KEY = "fuzz-key-alice-0001";
const OTHER_API_KEY = "fuzz-key-bob-00002";

export interface FuzzTarget {
  service: ServiceProcess;
  mock: MockOpenAI;
  pid: number;
  ids: FuzzIds;
  close(): Promise<void>;
}

/** `src/main.ts` as a process of its own on `databaseUrl`, its model the mock over HTTP, with real things made to fuzz. */
export async function startFuzzTarget(databaseUrl: string, env: NodeJS.ProcessEnv = {}): Promise<FuzzTarget> {
  const mock = await startMockOpenAI({ text: "fuzz reply", usage: { prompt_tokens: 3, completion_tokens: 2 } });
  let service: ServiceProcess | undefined;
  try {
    service = await startServiceProcess({
      ...process.env, DATABASE_URL: databaseUrl, OPENAI_BASE_URL: mock.baseURL, OPENAI_API_KEY: "x", OPENAI_MODEL: "mock-model", OPENAI_MAX_RETRIES: "0",
      API_KEYS: `${FUZZ_API_KEY}:acme:alice,${OTHER_API_KEY}:globex:bob`, LOG_LEVEL: "info",
      // Providers' keys are sealed with it: without one, every request with a secret would stop at the 422.
      SECRETS_KEY: "0123456789abcdef".repeat(4), ...env,
    });
    const ids = await makeIds(service.url);
    const s = service;
    return {
      service, mock, pid: service.child.pid!, ids,
      async close() {
        await s.stop();
        await mock.close();
      },
    };
  } catch (err) {
    await service?.stop();
    await mock.close();
    throw err;
  }
}

async function call(url: string, method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${url}${path}`, {
    method, headers: { authorization: `Bearer ${FUZZ_API_KEY}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status >= 400) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res;
}

const json = async (url: string, method: string, path: string, body?: unknown) => (await call(url, method, path, body)).json() as Promise<any>;

/** Threads of both APIs with runs, checkpoints and messages, stored assistants, and an export: the ids generators reuse. */
async function makeIds(url: string): Promise<FuzzIds> {
  const ids: FuzzIds = { threads: [], runs: [], checkpoints: [], messages: [], assistants: [], providers: [], threadExport: null, storeItems: [] };
  for (let i = 0; i < 3; i++) {
    const chatted = await call(url, "POST", "/api/chat", { message: `native turn ${i}` });
    const thread = chatted.headers.get("x-thread-id")!;
    await chatted.text();
    ids.threads.push(thread);
    ids.runs.push({ thread, run: chatted.headers.get("x-run-id")! });
  }
  for (let i = 0; i < 3; i++) {
    const thread = (await json(url, "POST", "/threads", { metadata: { made: "fuzz" } })).thread_id as string;
    const waited = await call(url, "POST", `/threads/${thread}/runs/wait`, { assistant_id: "chat", input: { messages: [{ role: "user", content: `agent turn ${i}` }] } });
    await waited.text();
    ids.threads.push(thread);
    ids.runs.push({ thread, run: waited.headers.get("content-location")!.split("/").at(-1)! });
  }
  for (const thread of ids.threads) {
    const shown = await json(url, "GET", `/api/threads/${thread}`);
    for (const m of shown.messages) ids.messages.push({ thread, message: m.id });
    for (const state of await json(url, "POST", `/threads/${thread}/history`, { limit: 5 })) ids.checkpoints.push({ thread, checkpoint: state.checkpoint.checkpoint_id });
  }
  ids.assistants.push((await json(url, "POST", "/assistants", { graph_id: "chat", name: "fuzz agent" })).assistant_id);
  ids.assistants.push((await json(url, "POST", "/api/assistants", { graph_id: "chat", name: "fuzz native" })).assistant_id);
  ids.providers.push((await json(url, "POST", "/api/providers", { name: "fuzz provider", base_url: "https://models.example.com/v1", api_key: "sk-fuzz-provider-key", headers: { "X-Org": "fuzz" } })).provider_id);
  ids.providers.push((await json(url, "POST", "/api/providers", { name: "fuzz plain", base_url: "http://models.example.com:8000/v1" })).provider_id);
  ids.threadExport = await json(url, "GET", `/api/threads/${ids.threads[0]}/export?format=json`);
  for (const item of [{ namespace: ["memories", "alice"], key: "food" }, { namespace: ["memories"], key: "colour" }]) {
    await (await call(url, "PUT", "/store/items", { ...item, value: { text: `favourite ${item.key}`, n: 1 } })).text();
    ids.storeItems.push(item);
  }
  return ids;
}

/**
 * "Back near its start": once the load is over and has settled (SETTLE_MS), RSS may exceed the RSS
 * measured after the set-up by at most this much. V8 keeps the heap it grew to until its memory
 * reducer runs, some time after the process goes idle, and the pool keeps its connections: measured
 * without a leak (four rounds of 5,000 requests on one process), RSS ended 33 to 106 MiB above its
 * start of 193 MiB and, once the reducer ran, fell to 145 MiB. A leak of 13 kB a request (a body,
 * a stream's buffer, a map entry with its run's values) is over this margin after 10,000 requests.
 */
export const RSS_MARGIN_BYTES = 128 * 1024 * 1024;

/**
 * How long the load takes to be over: a run's wait result is kept 60 s (RESULT_TTL_MS in
 * src/agent-api/agent-runs.ts) for a client that joins late, so memory held for the last runs is
 * free only after that, and V8 gives it back some time later still.
 */
export const SETTLE_MS = 150_000;

/** Waits (up to `ms`) for the process's RSS to come back within RSS_MARGIN_BYTES of `startBytes`; the last reading. */
export async function settledRss(pid: number, startBytes: number, ms = SETTLE_MS, log?: (line: string) => void): Promise<number | null> {
  const deadline = Date.now() + ms;
  let rss = residentSetBytes(pid);
  for (let i = 0; rss !== null && rss > startBytes + RSS_MARGIN_BYTES && Date.now() < deadline; i++) {
    if (i % 10 === 0) log?.(`RSS ${Math.round(rss / 1024 / 1024)} MiB, waiting for it to settle`);
    await new Promise((r) => setTimeout(r, 500));
    rss = residentSetBytes(pid);
  }
  return rss;
}
