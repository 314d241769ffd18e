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
 *     the long thread against the same reads on a one-turn thread, taken in alternation; and the SDK's
 *     history page read to its last byte but not parsed, to tell the service's part from the client's;
 *   - last, a turn through the Agent Server API (SDK runs.stream, values and messages-tuple) on each
 *     thread, taken as the reads are (each adds a turn: the threads grow by one each time);
 *   - with BENCH_BASELINE set explicitly, the same reads on the baseline commit's service (its own
 *     database of the same server, its own threads built turn for turn with this checkout's), in
 *     alternation with this checkout's: each read this / baseline.
 */
import { Client } from "@langchain/langgraph-sdk";
import { BASELINE_REV, baselineWanted, exportBaseline } from "./baseline-commit.js";
import type { BenchDatabase } from "./bench-database.js";
import { chatStream, type ChatStreamResult } from "./chat-stream-client.js";
import { CheckpointStorage, type StorageSample } from "./checkpoint-storage.js";
import { goalsTable, type Goal } from "./goals.js";
import { HISTORY_UNPARSED, longThreadReport, median } from "./long-thread-report.js";
import { cpuMs, spawnTs, treeCpuMs, waitForLine } from "./processes.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
/** Each read's repetitions (BENCH_LONG_READS, default 20): a noisy machine wants more. */
const READ_REPEATS = Math.max(1, Number(process.env.BENCH_LONG_READS ?? 20));

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
  /** Per read: medians on the long thread and on a one-turn thread, and the service's CPU per read of the long thread (/proc). */
  reads: { name: string; longMs: number; shortMs: number; longCpuMs: number }[];
  /**
   * The same reads on the baseline commit's service (BENCH_BASELINE set), and its own thread's tables
   * on disk before turn 1 and after the last (its own database), or why not.
   */
  baseline?: { label: string; reads: LongThreadFigures["reads"]; storage: [before: StorageSample, after: StorageSample] } | { label: string; failed: string };
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
  // Only when asked for (BENCH_BASELINE in the environment): the default baseline's long thread takes minutes.
  const baseline = process.env.BENCH_BASELINE !== undefined && baselineWanted() ? await startLongBaseline(options, modelURL) : undefined;
  const storage = await CheckpointStorage.open(db.url);
  options.defer(() => storage.close());

  log(`long thread: warm-up (3 one-turn threads), then one thread of ${turns} tool-calling turns`);
  // The service reads the graphs' types in a worker thread at start-up; its CPU is not a turn's.
  await getJson(`${url}/assistants/chat/schemas`);
  for (let i = 0; i < 3; i++) await toolTurn(url, "warm-up");
  if (baseline && "url" in baseline) {
    await getJson(`${baseline.url}/assistants/chat/schemas`).catch(() => undefined);
    for (let i = 0; i < 3; i++) await toolTurn(baseline.url, "warm-up");
  }
  const baselineStorage = baseline && "url" in baseline ? await CheckpointStorage.open(baseline.dbUrl) : undefined;
  if (baselineStorage) options.defer(() => baselineStorage.close());
  const baselineBefore = await baselineStorage?.sample("");
  const figures: LongThreadFigures = { turns, turnMs: [], serviceCpuMs: [], postgresCpuMs: [], storage: new Map(), tables: storage.tableNames(), readRepeats: READ_REPEATS, reads: [] };
  const sampleAt = new Set([10, Math.round(turns / 2), turns - 10, turns].filter((k) => k >= 1 && k <= turns));
  // Before turn 1 the thread has no rows: the baseline is the tables' size (no thread matches "").
  figures.storage.set(0, await storage.sample(""));
  // The service names the thread (a native client's own id would be an alias, not the checkpoints' key).
  let threadId = "";
  let baselineThreadId = "";
  for (let k = 1; k <= turns; k++) {
    // The baseline's thread grows turn for turn with this checkout's, outside this checkout's CPU figures.
    if (baseline && "url" in baseline) {
      const theirs = await toolTurn(baseline.url, `turn ${k}: what is ${k} * 7?`, baselineThreadId || undefined);
      baselineThreadId ||= theirs.threadId!;
    }
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
  const baselineAfter = await baselineStorage?.sample(baselineThreadId);
  const shortThread = (await toolTurn(url, "turn 1: what is 1 * 7?")).threadId!;
  const baselineShort = baseline && "url" in baseline ? (await toolTurn(baseline.url, "turn 1: what is 1 * 7?")).threadId! : "";

  log(`long thread: reads, ${READ_REPEATS} times each on the ${turns}-turn thread and on a one-turn thread, alternating`);
  const readsOf = (base: string): [string, (id: string) => Promise<unknown>][] => {
    const client = new Client({ apiUrl: base });
    return [
      ["Agent Server: GET /threads/:id/state (SDK threads.getState)", (id) => client.threads.getState(id)],
      ["Agent Server: SDK threads.getHistory(id, { limit: 10 })", (id) => client.threads.getHistory(id, { limit: 10 })],
      // The same answer read to its last byte and not parsed: what of the SDK's time is the service's.
      [HISTORY_UNPARSED, (id) => postBytes(`${base}/threads/${id}/history`, { limit: 10 })],
      ["native: GET /api/threads/:id/state", (id) => getJson(`${base}/api/threads/${id}/state`)],
      ["native: GET /api/threads/:id/history?limit=10", (id) => getJson(`${base}/api/threads/${id}/history?limit=10`)],
      ["native: GET /api/threads/:id (messages)", (id) => getJson(`${base}/api/threads/${id}`)],
      // Last, as it adds a turn to the thread each time: a values event holds the whole message list.
      [AGENT_TURN, (id) => agentTurn(client, id)],
    ];
  };
  const ours = readsOf(url);
  const theirs = baseline && "url" in baseline ? readsOf(baseline.url) : undefined;
  const baselineReads: LongThreadFigures["reads"] = [];
  for (const [r, [name, read]] of ours.entries()) {
    const long: number[] = [];
    const short: number[] = [];
    const bLong: number[] = [];
    const bShort: number[] = [];
    let cpuLong = 0;
    let bCpuLong = 0;
    const other = theirs?.[r]![1];
    await read(threadId);
    await read(shortThread);
    if (other) await other(baselineThreadId), await other(baselineShort);
    for (let i = 0; i < READ_REPEATS; i++) {
      // With a baseline, which service goes first alternates from one repetition to the next.
      const mine = async () => {
        const cpu = cpuMs(pid);
        long.push(await timed(() => read(threadId)));
        cpuLong += cpuMs(pid) - cpu;
        short.push(await timed(() => read(shortThread)));
      };
      const base = async () => {
        if (!other || !baseline || !("url" in baseline)) return;
        const cpu = cpuMs(baseline.pid);
        bLong.push(await timed(() => other(baselineThreadId)));
        bCpuLong += cpuMs(baseline.pid) - cpu;
        bShort.push(await timed(() => other(baselineShort)));
      };
      if (i % 2) await base(), await mine();
      else await mine(), await base();
    }
    figures.reads.push({ name, longMs: median(long), shortMs: median(short), longCpuMs: cpuLong / READ_REPEATS });
    if (other) baselineReads.push({ name, longMs: median(bLong), shortMs: median(bShort), longCpuMs: bCpuLong / READ_REPEATS });
  }
  if (baseline) figures.baseline = "url" in baseline ? { label: baseline.label, reads: baselineReads, storage: [baselineBefore!, baselineAfter!] } : baseline;
  const { text, goals } = longThreadReport(figures, `${TOKENS}-token reply ${TOKEN_DELAY_MS} ms apart after a calculator call`, db.description);
  return { text: `${text}\n${goalsTable(goals)}\n`, goals };
}

/** The baseline commit's service on a fresh database of the same server, or why it could not start. */
async function startLongBaseline(options: LongThreadBenchOptions, modelURL: string): Promise<{ label: string; url: string; pid: number; dbUrl: string } | { label: string; failed: string }> {
  let label = `baseline ${BASELINE_REV}`;
  try {
    const tree = await exportBaseline(BASELINE_REV, options.tempDir);
    label = `baseline ${tree.sha.slice(0, 7)} "${tree.subject}"`;
    options.log(`long thread: ${label}, its own threads on a fresh database of the same server`);
    const dbUrl = await options.db.fresh();
    const services = await startServices({ db: { ...options.db, url: dbUrl }, modelURL, tempDir: tree.dir, replicas: 1, poolMax: 20, root: tree.dir, name: `baseline ${tree.sha.slice(0, 7)}` });
    options.defer(() => services.stop());
    return { label, url: services.urls[0]!, pid: services.children[0]!.pid, dbUrl };
  } catch (err) {
    return { label, failed: (err instanceof Error ? err.message : String(err)).split("\n")[0]! };
  }
}

/** A tool-calling turn that must come back complete: a broken turn would make every figure a lie. */
async function toolTurn(url: string, message: string, threadId?: string): Promise<ChatStreamResult> {
  const result = await chatStream(url, { message, ...(threadId ? { thread_id: threadId } : {}) }, { timeoutMs: 60_000 });
  if (result.failure || result.toolEnds !== 1 || result.tokens !== TOKENS) {
    throw new Error(`long thread: a turn was not a complete tool-calling turn (${result.failure ?? "ok"}; ${result.toolEnds} tool ends, ${result.tokens} tokens)`);
  }
  return result;
}

const AGENT_TURN = "Agent Server: a turn, SDK runs.stream with values and messages-tuple (each adds a turn)";

/** One turn through the Agent Server API, read to its end; an error event or too few tokens fails it. */
async function agentTurn(client: Client, threadId: string): Promise<void> {
  const stream = client.runs.stream(threadId, "chat", { input: { messages: [{ role: "user", content: "what is 3 * 7?" }] }, streamMode: ["values", "messages-tuple"] });
  let tuples = 0;
  for await (const { event, data } of stream) {
    if (event === "error") throw new Error(`long thread: an Agent Server turn failed: ${JSON.stringify(data)}`);
    if (event === "messages") tuples++;
  }
  if (tuples < TOKENS) throw new Error(`long thread: an Agent Server turn streamed ${tuples} message tuples, fewer than the reply's ${TOKENS} tokens`);
}

async function postBytes(url: string, body: unknown): Promise<number> {
  const res = await fetchOk(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return (await res.arrayBuffer()).byteLength;
}

async function getJson(url: string): Promise<unknown> {
  return (await fetchOk(url)).json();
}

/** A read that must succeed: a failed one would make its figure a lie. */
async function fetchOk(url: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${init?.method ?? "GET"} ${url}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}
