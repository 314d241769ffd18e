/**
 * The bench's streams part (issue 15): BENCH_STREAMS_CLIENTS (default 1,000) SSE clients at once,
 * each following its own run (POST /api/chat on a new thread) on a slow model (BENCH_STREAMS_TOKENS
 * tokens, one a second), against one service process whose run limit is raised above the clients,
 * or BENCH_STREAMS_REPLICAS processes (one per core: what `WEB_CONCURRENCY=auto` starts) with the
 * clients spread over them in turn.
 * Measured in the service (its probe, test/bench/service-probe.ts, and /proc): RSS sampled every
 * 250 ms and its peak (VmHWM), open file descriptors, event-loop delay per phase:
 *   idle (the reference: the same process before the clients), ramp (first request until every
 *   client streams or failed), all streaming (until the first stream ends), drain (until the last);
 * and per client: complete (every token and `end` success) or why not.
 * 150 tokens by default (two and a half minutes): on this project's shared 2-core machine starting a
 * thousand runs took 88 s, and a stream must outlast the ramp for there to be a window in which every
 * client is streaming, which is where the goal's event-loop delay is measured (not over the ramp).
 * With replicas the goals are per process: RSS and file descriptors are the largest process's, the
 * loop delay the worst process's; CPU, statements and the collectors' time are summed.
 */
import { readdirSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { BenchDatabase } from "./bench-database.js";
import { chatStream, type ChatStreamResult } from "./chat-stream-client.js";
import { goalsTable, type Goal } from "./goals.js";
import { cpuMs as processCpuMs, memoryMiB, runQueueWaitMs as processRunQueueWaitMs, spawnTs, waitForLine } from "./processes.js";
import { startServices } from "./services.js";
import { streamsReport, type LoopProbe, type StreamsFigures } from "./streams-report.js";

const TOKEN_DELAY_MS = 1_000;
const IDLE_MS = 3_000;

export interface StreamsBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

export async function benchStreams(options: StreamsBenchOptions): Promise<{ text: string; goals: Goal[] }> {
  const { log } = options;
  const clients = Number(process.env.BENCH_STREAMS_CLIENTS ?? 1_000);
  const timeoutMs = Number(process.env.BENCH_STREAMS_TIMEOUT_MS ?? 300_000);
  const tokens = Number(process.env.BENCH_STREAMS_TOKENS ?? 150);
  const rampMs = Number(process.env.BENCH_STREAMS_RAMP_MS ?? 2_000);
  const poolMax = Number(process.env.BENCH_STREAMS_POOL_MAX ?? 50);
  const replicas = Math.max(1, Number(process.env.BENCH_STREAMS_REPLICAS ?? 1));
  const model = spawnTs("streams mock model", "test/bench/mock-model-server.ts", [String(tokens), String(TOKEN_DELAY_MS)]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  // The limits that would turn clients away before the service's capacity does, raised for this part.
  // RUN_TIMEOUT_MS (default 300 s) would end a late client's run, which starts after a long ramp and streams for minutes.
  const settings = { MAX_CONCURRENT_RUNS: String(clients + 50), RATE_LIMIT_RPM: "0", TOKEN_QUOTA_PER_DAY: "0", RUN_TIMEOUT_MS: String(Math.max(300_000, tokens * TOKEN_DELAY_MS * 4)) };
  const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas, poolMax, env: settings });
  options.defer(() => services.stop());
  const { urls } = services;
  const pids = services.children.map((c) => c.pid);
  const cpuMs = () => sum(pids.map((pid) => processCpuMs(pid)));
  const runQueueWaitMs = () => sum(pids.map((pid) => processRunQueueWaitMs(pid)));
  /** The largest process's: the goal is per worker. */
  const memory = () => pids.map((pid) => memoryMiB(pid)).reduce((a, b) => ({ rss: Math.max(a.rss, b.rss), peak: Math.max(a.peak, b.peak) }));
  // The graphs' types are read in a worker thread at start-up: done before the idle reference.
  await Promise.all(urls.map(async (url) => {
    await fetch(`${url}/assistants/chat/schemas`).then((r) => r.text());
    await chatStream(url, { message: "warm-up" }, { timeoutMs: 120_000 });
  }));

  // Each reading covers the time since the previous one: the probe's, and the process's CPU and the
  // time its JavaScript thread was ready to run but had no core (a shared machine's share of the blame).
  let at = { cpu: cpuMs(), wait: runQueueWaitMs(), t: performance.now() };
  const reading = async (name: string) => {
    const now = { cpu: cpuMs(), wait: runQueueWaitMs(), t: performance.now() };
    const phase = { name, ms: now.t - at.t, cpuMs: now.cpu - at.cpu, runQueueMs: now.wait - at.wait, probe: (await services.probe()) as LoopProbe };
    at = now;
    return phase;
  };
  await services.resetProbes();
  at = { cpu: cpuMs(), wait: runQueueWaitMs(), t: performance.now() };
  await sleep(IDLE_MS);
  const idle = await reading("idle (reference, before the clients)");
  const maxFds = () => Math.max(...pids.map(fds));
  const figures: StreamsFigures = {
    clients, replicas, tokens, rampMs, timeoutMs, poolMax, settings, idle, idleRssMiB: memory().rss,
    rssSamples: [], peakRssMiB: 0, steadyRssMiB: 0, steadyWindow: false, streamingAtOnce: 0, maxFds: maxFds(), phases: [], results: [], wallMs: 0,
  };
  const sampler = setInterval(() => {
    figures.rssSamples.push(memory().rss);
    figures.maxFds = Math.max(figures.maxFds, maxFds());
  }, 250);
  options.defer(async () => clearInterval(sampler));

  log(`streams: ${clients} clients over ${rampMs} ms${replicas > 1 ? ` spread over ${replicas} processes` : ""}, each its own run of ${tokens} tokens ${TOKEN_DELAY_MS} ms apart`);
  let streaming = 0;
  let settledEarly = 0;
  /** Clients that got tokens and then ended, whether complete or not: the end of "all streaming". */
  let endedStreaming = 0;
  await services.resetProbes();
  at = { cpu: cpuMs(), wait: runQueueWaitMs(), t: performance.now() };
  const started = performance.now();
  const runs: Promise<ChatStreamResult>[] = [];
  for (let i = 0; i < clients; i++) {
    const onFirstToken = () => void streaming++;
    runs.push(chatStream(urls[i % urls.length]!, { message: `stream client ${i}` }, { timeoutMs, onFirstToken }).then((r) => {
      if (r.tokens === 0) settledEarly++;
      else endedStreaming++;
      return r;
    }));
    const due = ((i + 1) * rampMs) / clients - (performance.now() - started);
    if (due > 1) await sleep(due);
  }
  const all = Promise.all(runs);
  // The phases: each probe reading covers the time since the previous one.
  await until(() => streaming + settledEarly >= clients);
  figures.steadyWindow = endedStreaming === 0;
  figures.streamingAtOnce = streaming - endedStreaming;
  figures.phases.push(await reading("ramp: first request -> every client streaming (or failed)"));
  const rssFrom = figures.rssSamples.length;
  await until(() => endedStreaming > 0 || settledEarly >= clients);
  figures.phases.push(await reading("all streaming: -> the first stream ended"));
  figures.steadyRssMiB = Math.max(...figures.rssSamples.slice(Math.max(0, rssFrom - 1)), 0);
  figures.results = await all;
  figures.wallMs = performance.now() - started;
  figures.phases.push(await reading("drain: -> the last stream ended"));
  clearInterval(sampler);
  figures.peakRssMiB = memory().peak;
  const { text, goals } = streamsReport(figures);
  return { text: `${text}\n${goalsTable(goals)}\n`, goals };
}

function sum(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await sleep(20);
}

function fds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}
