/**
 * `npm run bench`: threadloom against the raw model stream it wraps, measured in the same run by
 * the same client. It prints figures; it passes or fails nothing (it only crashes on errors).
 *
 * Four processes share the machine: PostgreSQL, the mock model (32 tokens, 2 ms apart), the service
 * (with PostgreSQL checkpoints), and this load generator. Environment:
 *   BENCH_DATABASE_URL  use a fresh database on this server instead of an embedded PostgreSQL
 *   BENCH_LEVELS        concurrency levels (default 1,10,50)
 *   BENCH_SCALE         multiplies the number of turns per level (default 1)
 *   BENCH_HISTORY_TURNS turns of the long thread whose history and export are measured (default 500; 0 skips)
 *   BENCH_HISTORY_FULL  1: also read that thread's whole getStateHistory (minutes)
 *   BENCH_REPLICAS      service processes sharing the database, turns spread round-robin (default 1)
 *   BENCH_CPU_PROF      a directory: run the service with --cpu-prof and write its profile there
 *                       (then: npx tsx test/bench/profile-summary.ts <dir>/*.cpuprofile)
 *   BENCH_JSON          a file to write the results to, as JSON
 *   BENCH_AGENT_API     0 skips the Agent Server API comparison with `langgraphjs dev`; `only` runs
 *                       just that part (its own settings: test/bench/agent-api-bench.ts)
 *   BENCH_HOSTILE       0 skips the other clients' TTFT during 200 slow readers + 500 aborting clients
 *                       against the same on an idle service; `only` runs just that part
 *                       (test/bench/hostile-bench.ts)
 *   BENCH_MANIFEST      0 skips the chat graph from langgraph.json against the same graph wired by
 *                       hand; `only` runs just that part (test/bench/manifest-bench.ts)
 *   BENCH_SCHEMAS       0 skips GET /assistants/:id/schemas with an empty and a filled schema cache
 *                       and against `langgraphjs dev`; `only` runs just that part (test/bench/schema-bench.ts)
 *   BENCH_WEB           0 skips the web app in Chromium: the page (weight, cold load, Enter to the first
 *                       token painted against the API's TTFT; test/bench/web-page-bench.ts) and the
 *                       inspector's timeline on a 1,500-checkpoint thread (test/bench/web-timeline-bench.ts);
 *                       `only` runs just that part
 *   BENCH_PROTOCOLS     0 skips one turn through each protocol (native SSE, Agent Server, UI message
 *                       stream, OpenAI chat completions, WebSocket) against the raw model, multi-turn:
 *                       TTFT, wire bytes per token, service CPU per turn; `only` runs just that part
 *                       (test/bench/protocols-bench.ts)
 *   BENCH_LONG          0 skips one thread of BENCH_LONG_TURNS (100) tool-calling turns: turn N vs 1, state and
 *                       history reads, checkpoint bytes; `only` runs just that part (test/bench/long-thread-bench.ts)
 *   BENCH_STREAMS       0 skips BENCH_STREAMS_CLIENTS (1,000) concurrent SSE streams on a 1 token/s model: RSS,
 *                       event-loop lag, streams completed; `only` runs just that part (test/bench/streams-bench.ts)
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import readline from "node:readline";
import path from "node:path";
import { openBenchDatabase, type BenchDatabase } from "./bench-database.js";
import { modelTarget, runLoad, runThreads, serviceTarget, type Sample } from "./load.js";
import { measure } from "./measure.js";
import { spawnTs, waitForLine, type Child } from "./processes.js";
import { internalsTable, latencyTable, loadFigures, multiTurnTable, resourceTable, targetLines, ttftTable, type Arrivals, type LevelResult } from "./report.js";
import { benchAgentApi } from "./agent-api-bench.js";
import { benchHistory, historyTable } from "./history-bench.js";
import { benchHostile } from "./hostile-bench.js";
import { benchManifest } from "./manifest-bench.js";
import { benchSchemas } from "./schema-bench.js";
import { benchWebPage } from "./web-page-bench.js";
import { benchWebTimeline } from "./web-timeline-bench.js";
import { benchProtocols } from "./protocols-bench.js";
import { benchLongThread } from "./long-thread-bench.js";
import { benchStreams } from "./streams-bench.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const TURNS: Record<number, number> = { 1: 100, 10: 300, 50: 1000 };
const WARMUP_TURNS = 20;
const THREADS = 10;
const TURNS_PER_THREAD = 5;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const levels = (process.env.BENCH_LEVELS ?? "1,10,50").split(",").map(Number);
const maxConcurrency = Math.max(...levels);
const replicas = Number(process.env.BENCH_REPLICAS ?? 1);
/** Turns of the long thread whose history and export are measured (0 skips that part). */
const HISTORY_TURNS = Number(process.env.BENCH_HISTORY_TURNS ?? 500);
/** The optional parts, each `0` (skip it), `1` or `only` (run nothing else). */
const PARTS = {
  agentApi: process.env.BENCH_AGENT_API ?? "1",
  hostile: process.env.BENCH_HOSTILE ?? "1",
  manifest: process.env.BENCH_MANIFEST ?? "1",
  schemas: process.env.BENCH_SCHEMAS ?? "1",
  web: process.env.BENCH_WEB ?? "1",
  protocols: process.env.BENCH_PROTOCOLS ?? "1",
  long: process.env.BENCH_LONG ?? "1",
  streams: process.env.BENCH_STREAMS ?? "1",
};
const only = (Object.keys(PARTS) as (keyof typeof PARTS)[]).find((part) => PARTS[part] === "only");
const runsPart = (part: keyof typeof PARTS) => (only ? only === part : PARTS[part] !== "0");

const cleanup: (() => Promise<unknown>)[] = [];
let cleaning: Promise<void> | undefined;
/** Undoes the set-up in reverse order, once, whether the run ended, failed or was interrupted. */
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanup.length > 0) await cleanup.pop()!().catch((err) => console.error("cleanup:", err));
  })();
  return cleaning;
}

async function main(): Promise<void> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-bench-"));
  // Ours, so opened for the embedded server's user when run as root (its data then stays in it).
  await chmod(tempDir, 0o755);
  cleanup.push(() => rm(tempDir, { recursive: true, force: true }));
  log(`starting: PostgreSQL, mock model, service (temp dir ${tempDir})`);

  const db = await openBenchDatabase(tempDir);
  cleanup.push(() => db.drop());

  const model = spawnTs("mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS)]);
  cleanup.push(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const arrivals: Arrivals = new Map();
  readline.createInterface({ input: model.proc.stdout! }).on("line", (line) => {
    const [tag, key, at] = line.split(" ");
    if (tag === "ARRIVAL") arrivals.set(Number(key), Number(at));
  });

  const defer = (step: () => Promise<unknown>) => void cleanup.push(step);
  if (!only) await benchService(db, model, modelURL, arrivals, tempDir);
  if (runsPart("manifest")) process.stdout.write(await benchManifest({ db, tempDir, log, defer }));
  if (runsPart("hostile")) process.stdout.write(await benchHostile({ db, tempDir, log, defer }));
  if (runsPart("schemas")) process.stdout.write(await benchSchemas({ db, tempDir, log, defer }));
  if (runsPart("protocols")) process.stdout.write(await benchProtocols({ db, tempDir, log, defer }));
  if (runsPart("long")) process.stdout.write((await benchLongThread({ db, tempDir, log, defer })).text);
  if (runsPart("streams")) process.stdout.write((await benchStreams({ db, tempDir, log, defer })).text);
  if (runsPart("web")) {
    process.stdout.write(await benchWebPage({ db, tempDir, log, defer }));
    process.stdout.write(await benchWebTimeline({ db, log }));
  }
  if (runsPart("agentApi")) {
    const modelDescription = `${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart, in its own process`;
    process.stdout.write(`\n${await benchAgentApi({ db, modelURL, modelDescription, modelPid: model.pid, tempDir, log, defer })}`);
  }
}

/** The native chat protocol against the raw model stream, multi-turn, and a long thread's history. */
async function benchService(db: BenchDatabase, model: Child, modelURL: string, arrivals: Arrivals, tempDir: string): Promise<void> {
  // Every concurrent run may hold a connection at once, plus the mirror and run bookkeeping.
  const poolMax = Math.ceil(maxConcurrency / replicas) + 10;
  const services = await startServices({ db, modelURL, tempDir, replicas, poolMax, profileDir: process.env.BENCH_CPU_PROF });
  cleanup.push(() => services.stop());

  const modelT = modelTarget(modelURL, maxConcurrency);
  const serviceT = serviceTarget(services.urls, maxConcurrency);
  const procs = { services, model, db };
  cleanup.push(async () => (modelT.agent.destroy(), serviceT.agent.destroy()));

  log(`warm-up: ${WARMUP_TURNS} turns each at c1, then ${WARMUP_TURNS * 2} at c10 (discarded)`);
  for (const t of [modelT, serviceT]) {
    await runLoad(t, 1, WARMUP_TURNS);
    await runLoad(t, 10, WARMUP_TURNS * 2);
  }

  const results: LevelResult[] = [];
  for (const concurrency of levels) {
    const turns = Math.max(concurrency, Math.round((TURNS[concurrency] ?? concurrency * 20) * scale));
    log(`c${concurrency}: ${turns} turns, model then service`);
    const m = await measure(modelT, concurrency, turns, procs);
    await services.resetProbes();
    const s = await measure(serviceT, concurrency, turns, procs);
    const probe = await services.probe();
    results.push({ concurrency, model: loadFigures(m.load), service: loadFigures(s.load, arrivals), modelResources: m.resources, serviceResources: s.resources, probe });
  }

  log(`multi-turn: ${THREADS} threads x ${TURNS_PER_THREAD} turns, one thread at a time`);
  const byTurn = await runThreads(serviceT, THREADS, TURNS_PER_THREAD);

  const history = HISTORY_TURNS > 0 ? await benchHistory(db.url, HISTORY_TURNS, log, process.env.BENCH_HISTORY_FULL === "1") : undefined;

  print(db, results, byTurn, arrivals, services.memoryMiB());
  if (history) console.log(`\n### History and export of a long thread (in-process service, no-delay mock model)\n\n${historyTable(history)}\n`);
  if (process.env.BENCH_JSON) {
    await writeFile(process.env.BENCH_JSON, JSON.stringify({ levels: results, multiTurn: byTurn }, null, 2));
    log(`wrote ${process.env.BENCH_JSON}`);
  }
}

function print(db: BenchDatabase, results: LevelResult[], byTurn: Sample[][], arrivals: Arrivals, mem: { rss: number; peak: number }): void {
  const out = [
    "",
    `## threadloom bench — ${new Date().toISOString()}`,
    "",
    `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${db.description}`,
    `mock model: ${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart, in its own process; each service turn is POST /api/chat on a new thread`,
    `service: ${replicas === 1 ? "one process" : `${replicas} replicas (processes) on one database, turns spread round-robin; CPU and memory are their sums`}`,
    "TTFT: request sent -> first token frame read; to model: request sent -> the service's model request reached the mock;",
    "turn: request sent -> response ended (service: after its `end` event); wire bytes: all the client socket read (headers, chunking)",
    "",
    "### Latency and throughput",
    "",
    latencyTable(results),
    "",
    "### CPU per turn (user+system, from /proc) and service memory",
    "",
    resourceTable(results),
    "",
    "### Inside the service during each run (test/bench/service-probe.ts)",
    "",
    internalsTable(results),
    "",
    "### Time to first token inside the service (medians in ms; turns that ran alone, test/bench/turn-timeline.ts)",
    "",
    ttftTable(results),
    "",
    `### Multi-turn: ${THREADS} threads x ${TURNS_PER_THREAD} turns at concurrency 1 (by turn number in the thread)`,
    "",
    multiTurnTable(byTurn, arrivals),
    "",
    `service RSS at the end: ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`,
    "",
    "### Targets",
    "",
    ...targetLines(results).map((l) => `- ${l}`),
    ...sharedMachineWarning(results),
    "",
  ];
  process.stdout.write(out.join("\n"));
}

function sharedMachineWarning(results: LevelResult[]): string[] {
  const other = Math.max(...results.flatMap((l) => [l.modelResources.otherCores, l.serviceResources.otherCores]));
  if (other < 0.2) return [];
  const pgUnmeasured = results.some((l) => l.serviceResources.postgresCpuMsPerTurn === null);
  const who = pgUnmeasured ? "other processes (PostgreSQL among them, when it runs on this machine)" : "other processes";
  return [`- note: ${who} used up to ${other.toFixed(2)} cores during a measured run ("other cores" above); if the machine was shared, the figures are pessimistic`];
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  // Requests cut off by an interruption are not worth a stack trace.
  if (!interrupted) console.error(err);
} finally {
  await cleanUp();
}
