/**
 * The bench's long-thread part (issue 15): one thread of BENCH_LONG_TURNS (default 100) tool-calling
 * turns through the service as a real process (src/main.ts with the probe, like the other parts), on
 * the bench's database, against a model that calls the calculator and then streams a reply
 * (mock-model-server.ts --tools). Figures, each against a reference from the same run:
 *   - turn k end to end (POST /api/chat -> its `end` event), and the service's CPU per turn from
 *     /proc: the last ten turns against the first ten;
 *   - the thread's checkpoint storage (checkpoint-storage.ts) after turns 10, N/2, N-10 and N: on
 *     disk, the thread's rows as stored and before compression, and bytes per turn late vs early;
 *   - state and history reads through the Agent Server API (the SDK's Client) and the native API on
 *     the long thread against the same reads on a one-turn thread, taken in alternation.
 */
import { Client } from "@langchain/langgraph-sdk";
import type { BenchDatabase } from "./bench-database.js";
import { chatStream, type ChatStreamResult } from "./chat-stream-client.js";
import { CheckpointStorage, type StorageSample } from "./checkpoint-storage.js";
import { goalsTable, type Goal } from "./goals.js";
import { longThreadReport, median } from "./long-thread-report.js";
import { cpuMs, spawnTs, treeCpuMs, waitForLine } from "./processes.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const READ_REPEATS = 20;

export interface LongThreadBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

export interface LongThreadFigures {
  turns: number;
  /** Per turn k (index k-1): end-to-end ms, service CPU ms, PostgreSQL CPU ms (null: not ours to measure). */
  turnMs: number[];
  serviceCpuMs: number[];
  postgresCpuMs: (number | null)[];
  /** Storage after turn k (0: before the first turn). */
  storage: Map<number, StorageSample>;
  tables: string[];
  readRepeats: number;
  /** Per read: medians on the long thread and on a one-turn thread. */
  reads: { name: string; longMs: number; shortMs: number }[];
}

export async function benchLongThread(options: LongThreadBenchOptions): Promise<{ text: string; goals: Goal[] }> {
  const { log, db } = options;
  const turns = Math.max(2, Number(process.env.BENCH_LONG_TURNS ?? 100));
  const model = spawnTs("long-thread mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS), String(TOKENS), "--tools"]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const services = await startServices({ db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 20 });
  options.defer(() => services.stop());
  const url = services.urls[0]!;
  const pid = services.children[0]!.pid;
  const storage = await CheckpointStorage.open(db.url);
  options.defer(() => storage.close());

  log(`long thread: warm-up (3 one-turn threads), then one thread of ${turns} tool-calling turns`);
  // The service reads the graphs' types in a worker thread at start-up; its CPU is not a turn's.
  await getJson(`${url}/assistants/chat/schemas`);
  for (let i = 0; i < 3; i++) await toolTurn(url, "warm-up");
  const figures: LongThreadFigures = { turns, turnMs: [], serviceCpuMs: [], postgresCpuMs: [], storage: new Map(), tables: storage.tableNames(), readRepeats: READ_REPEATS, reads: [] };
  const sampleAt = new Set([10, Math.round(turns / 2), turns - 10, turns].filter((k) => k >= 1 && k <= turns));
  // Before turn 1 the thread has no rows: the baseline is the tables' size (no thread matches "").
  figures.storage.set(0, await storage.sample(""));
  // The service names the thread (a native client's own id would be an alias, not the checkpoints' key).
  let threadId = "";
  for (let k = 1; k <= turns; k++) {
    const cpu = cpuMs(pid);
    const pgCpu = db.postmasterPid ? treeCpuMs(db.postmasterPid) : null;
    const result = await toolTurn(url, `turn ${k}: what is ${k} * 7?`, threadId || undefined);
    figures.serviceCpuMs.push(cpuMs(pid) - cpu);
    figures.postgresCpuMs.push(pgCpu === null ? null : treeCpuMs(db.postmasterPid!) - pgCpu);
    figures.turnMs.push(result.turnMs);
    threadId ||= result.threadId!;
    if (sampleAt.has(k)) figures.storage.set(k, await storage.sample(threadId));
    if (k % 25 === 0) log(`long thread: ${k} turns, last ${result.turnMs.toFixed(0)} ms`);
  }
  const shortThread = (await toolTurn(url, "turn 1: what is 1 * 7?")).threadId!;

  log(`long thread: reads, ${READ_REPEATS} times each on the ${turns}-turn thread and on a one-turn thread, alternating`);
  const client = new Client({ apiUrl: url });
  const reads: [string, (id: string) => Promise<unknown>][] = [
    ["Agent Server: GET /threads/:id/state (SDK threads.getState)", (id) => client.threads.getState(id)],
    ["Agent Server: SDK threads.getHistory(id, { limit: 10 })", (id) => client.threads.getHistory(id, { limit: 10 })],
    ["native: GET /api/threads/:id/state", (id) => getJson(`${url}/api/threads/${id}/state`)],
    ["native: GET /api/threads/:id/history?limit=10", (id) => getJson(`${url}/api/threads/${id}/history?limit=10`)],
    ["native: GET /api/threads/:id (messages)", (id) => getJson(`${url}/api/threads/${id}`)],
  ];
  for (const [name, read] of reads) {
    const long: number[] = [];
    const short: number[] = [];
    await read(threadId);
    await read(shortThread);
    for (let i = 0; i < READ_REPEATS; i++) {
      long.push(await timed(() => read(threadId)));
      short.push(await timed(() => read(shortThread)));
    }
    figures.reads.push({ name, longMs: median(long), shortMs: median(short) });
  }
  const { text, goals } = longThreadReport(figures, `${TOKENS}-token reply ${TOKEN_DELAY_MS} ms apart after a calculator call`, db.description);
  return { text: `${text}\n${goalsTable(goals)}\n`, goals };
}

/** A tool-calling turn that must come back complete: a broken turn would make every figure a lie. */
async function toolTurn(url: string, message: string, threadId?: string): Promise<ChatStreamResult> {
  const result = await chatStream(url, { message, ...(threadId ? { thread_id: threadId } : {}) }, { timeoutMs: 60_000 });
  if (result.failure || result.toolEnds !== 1 || result.tokens !== TOKENS) {
    throw new Error(`long thread: a turn was not a complete tool-calling turn (${result.failure ?? "ok"}; ${result.toolEnds} tool ends, ${result.tokens} tokens)`);
  }
  return result;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
