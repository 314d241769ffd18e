/**
 * The LangGraph Agent Server API, threadloom against `langgraphjs dev` (the LangGraph CLI's
 * in-memory server) as the baseline: the same load (agent-api-load.ts) from the same client, the
 * same graph (langgraph.json's) and the same mock model; figures for both and their ratio.
 *
 *   BENCH_AGENT_API          0 skips this part; `only` runs it without the rest of the bench
 *   BENCH_AGENT_API_THREADS  new threads per concurrency level (default 20; at least the level's concurrency)
 *   BENCH_AGENT_API_TURNS    turns per thread (default 5)
 *   BENCH_AGENT_API_LEVELS   concurrency levels, in threads at once (default 1,10,50)
 *   LANGGRAPH_CLI            the langgraphjs binary (default: the repository's devDependency)
 *   BENCH_BASELINE           set explicitly: the same load also on the service at that commit (its own
 *                            database of the same server), alternating with this checkout's at each level
 */
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import type { BenchDatabase } from "./bench-database.js";
import { runAgentLoad, type AgentLoad } from "./agent-api-load.js";
import { agentApiTable, agentFailures, agentFigures, agentSharedMachine, type AgentLevel, type AgentSide } from "./agent-api-report.js";
import { fastTag } from "./bench-database.js";
import { CLI_INSTALL_HINT, cliVersions, findLangGraphCli, startLangGraphCli } from "./langgraph-cli-server.js";
import { cpuMs, machineCpuMs, treeCpuMs } from "./processes.js";
import { BASELINE_REV, baselineWanted, exportBaseline } from "./baseline-commit.js";
import { startServices, type Services } from "./services.js";

export interface AgentApiBenchOptions {
  db: BenchDatabase;
  modelURL: string;
  /** What the mock model sends, for the report. */
  modelDescription: string;
  /** The mock model's process, whose CPU is not counted as other processes'. */
  modelPid: number;
  tempDir: string;
  log(message: string): void;
  /** Registers a clean-up step with the caller, which runs it however the bench ends. */
  defer(step: () => Promise<unknown>): void;
}

interface Server {
  name: string;
  client: Client;
  /** CPU ms so far of the server process and of PostgreSQL (if it is the server's and ours). */
  cpu(): { server: number; postgres: number | null };
  memory(): { rss: number; peak: number };
  /** Set once a turn has failed: the server is not measured further. */
  error?: string;
}

const THREADS = Number(process.env.BENCH_AGENT_API_THREADS ?? 20);
const TURNS_PER_THREAD = Number(process.env.BENCH_AGENT_API_TURNS ?? 5);
const LEVELS = (process.env.BENCH_AGENT_API_LEVELS ?? "1,10,50").split(",").map(Number);
// Fewer threads than the level would leave the level's concurrency unreached.
const threadsAt = (concurrency: number) => Math.max(THREADS, concurrency);
const WARMUP: AgentLoad = { threads: 10, turnsPerThread: 2, concurrency: 10 };
const TITLE = "### Agent Server API: threadloom against `langgraphjs dev` (same graph, mock model and client)";

/** The part's section of the report, and its figures for issue 15's goals (none when skipped, with why). */
export interface AgentApiResult {
  text: string;
  levels?: AgentLevel[];
  skipped?: string;
}

/** Runs the comparison and returns its section of the report. */
export async function benchAgentApi(options: AgentApiBenchOptions): Promise<AgentApiResult> {
  const bin = findLangGraphCli();
  if (!bin) {
    const where = process.env.LANGGRAPH_CLI ? `LANGGRAPH_CLI=${process.env.LANGGRAPH_CLI} does not exist` : "no node_modules/.bin/langgraphjs";
    options.log(`agent API: skipped, the LangGraph CLI is not installed (${where})`);
    const skipped = `skipped: the LangGraph CLI is not installed (${where})`;
    return { text: [TITLE + fastTag(), "", `${skipped}; ${CLI_INSTALL_HINT}`, ""].join("\n"), skipped };
  }
  const { db, modelURL, log } = options;
  const tempDir = path.join(options.tempDir, "agent-api");
  const maxConcurrency = Math.max(...LEVELS);
  log(`agent API: starting langgraphjs dev (${bin}) and a threadloom service`);
  const cli = await startLangGraphCli({ bin, modelURL, tempDir, jobs: Math.max(10, maxConcurrency) });
  options.defer(() => cli.stop());
  const services = await startServices({ db, modelURL, tempDir, replicas: 1, poolMax: maxConcurrency + 10, profileDir: process.env.BENCH_CPU_PROF });
  options.defer(() => services.stop());
  const serviceServer = (name: string, started: Services): Server => {
    const pid = started.children[0].pid;
    return {
      name,
      client: sdkClient(started.urls[0]),
      cpu: () => ({ server: cpuMs(pid), postgres: db.postmasterPid === null ? null : treeCpuMs(db.postmasterPid) }),
      memory: () => started.memoryMiB(),
    };
  };
  const servers: Server[] = [
    { name: "langgraphjs dev", client: sdkClient(cli.url), cpu: () => ({ server: cli.cpuMs(), postgres: null }), memory: () => cli.memoryMiB() },
    serviceServer("threadloom", services),
  ];
  // Only when asked for (BENCH_BASELINE in the environment), as the long-thread part: one more service.
  let baselineName: string | undefined;
  if (process.env.BENCH_BASELINE !== undefined && baselineWanted()) {
    const tree = await exportBaseline(BASELINE_REV, tempDir);
    baselineName = tree.sha.slice(0, 7);
    log(`agent API: also threadloom at ${baselineName} "${tree.subject}", on a fresh database of the same server`);
    const url = await db.fresh();
    const baseline = await startServices({ db: { ...db, url }, modelURL, tempDir: tree.dir, replicas: 1, poolMax: maxConcurrency + 10, root: tree.dir, name: `baseline ${baselineName}` });
    options.defer(() => baseline.stop());
    servers.push(serviceServer(`threadloom at ${baselineName}`, baseline));
  }

  log(`agent API: warm-up, ${WARMUP.threads} threads x ${WARMUP.turnsPerThread} turns at c${WARMUP.concurrency} on each (discarded)`);
  for (const server of servers) await measure(server, WARMUP, options);
  const levels: AgentLevel[] = [];
  for (const [i, concurrency] of LEVELS.entries()) {
    log(`agent API: c${concurrency}: ${threadsAt(concurrency)} threads x ${TURNS_PER_THREAD} turns, langgraphjs dev then threadloom${baselineName ? ` and threadloom at ${baselineName}, in turn first` : ""}`);
    const load = { threads: threadsAt(concurrency), turnsPerThread: TURNS_PER_THREAD, concurrency };
    const cliSide = await measure(servers[0], load, options);
    const baselineFirst = servers[2] && i % 2 === 1 ? await measure(servers[2], load, options) : undefined;
    const threadloomSide = await measure(servers[1], load, options);
    const baselineSide = baselineFirst ?? (servers[2] && (await measure(servers[2], load, options)));
    levels.push({ concurrency, cli: cliSide, threadloom: threadloomSide, ...(baselineSide ? { baseline: baselineSide } : {}) });
  }
  return { text: report(levels, { versions: cliVersions(bin), cliTreeMiB: cli.treeRssMiB(), db, modelDescription: options.modelDescription, baselineName }), levels };
}

/** The load on one server, with what each process spent on it and the server's memory after it. */
async function measure(server: Server, load: AgentLoad, options: AgentApiBenchOptions): Promise<AgentSide> {
  if (server.error) return { ok: false, error: server.error };
  const before = snapshot(server, options.modelPid);
  try {
    const result = await runAgentLoad(server.client, load);
    const after = snapshot(server, options.modelPid);
    const postgresCpuMs = after.postgres === null || before.postgres === null ? null : after.postgres - before.postgres;
    const serverCpuMs = after.server - before.server;
    const otherCpuMs = after.machine - before.machine - serverCpuMs - (postgresCpuMs ?? 0) - (after.model - before.model) - (after.client - before.client);
    return { ok: true, figures: agentFigures(result, { serverCpuMs, postgresCpuMs, otherCpuMs, memory: server.memory() }) };
  } catch (err) {
    server.error = (err instanceof Error ? err.message : String(err)).split("\n")[0].slice(0, 300);
    options.log(`agent API: ${server.name} failed, not measured further: ${server.error}`);
    return { ok: false, error: server.error };
  }
}

function snapshot(server: Server, modelPid: number) {
  const usage = process.cpuUsage();
  return { ...server.cpu(), model: cpuMs(modelPid), client: (usage.user + usage.system) / 1000, machine: machineCpuMs() };
}

// No retries: a failed request should show as one, not as a slow turn.
const sdkClient = (apiUrl: string) => new Client({ apiUrl, callerOptions: { maxRetries: 0 } });

function report(levels: AgentLevel[], context: { versions: string; cliTreeMiB: number; db: BenchDatabase; modelDescription: string; baselineName?: string }): string {
  const notes = [...agentFailures(levels, context.baselineName), ...agentSharedMachine(levels)];
  return [
    TITLE + fastTag(),
    "",
    `mock model: ${context.modelDescription}`,
    `load per level: max(${THREADS}, conc) new threads x ${TURNS_PER_THREAD} turns, a thread's turns one after another, "conc" threads at once; each turn`,
    '`client.runs.stream(thread, "chat", { input: one user message, streamMode: ["values", "messages-tuple"] })` read to its end (@langchain/langgraph-sdk Client)',
    "TTFT: stream call -> first `messages` event with content; final values: -> the run's last `values` event; turn: -> end of stream;",
    "state ok: turns whose last `values` event held 2 x turns messages (both servers really kept the conversation)",
    `baseline: langgraphjs dev (${context.versions}) under tsx, NODE_ENV=development. It keeps threads, runs and checkpoints in memory`,
    `(saved to .langgraph_api/*.json after 3 s without writes); threadloom writes every checkpoint to PostgreSQL (${context.db.description}).`,
    "Also the CLI's design, not its storage (@langchain/langgraph-api queue.mjs, storage/ops.mjs): a new run waits for a worker's poll",
    "(random sleeps of up to 1 s), and a stream ends only when a 500 ms wait for its next event times out after the run finished: that",
    "wait is in the CLI's turn time and turns/s; final values leaves it out.",
    `server CPU and RSS are the serving process's: for the CLI the server under its launcher and tsx (whole tree at the end: ${context.cliTreeMiB.toFixed(0)} MiB)`,
    "ratios are threadloom / langgraphjs dev: below 1 is better for times, CPU and memory, above 1 for turns/s",
    ...(context.baselineName ? [`and threadloom / threadloom at ${context.baselineName} (BENCH_BASELINE), the two measured one after the other at each level, in turn first`] : []),
    "",
    agentApiTable(levels, context.baselineName),
    ...(notes.length > 0 ? ["", ...notes.map((line) => `- ${line}`)] : []),
    "",
  ].join("\n");
}
