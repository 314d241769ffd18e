/**
 * `npm run bench`: threadloom against the raw model stream it wraps, measured in the same run by
 * the same client. It prints figures; it passes or fails nothing (it only crashes on errors).
 *
 * Three processes share the machine: the mock model (32 tokens, 2 ms apart), the service (with
 * PostgreSQL checkpoints), and this load generator. Environment:
 *   BENCH_DATABASE_URL  use a fresh database on this server instead of an embedded PostgreSQL
 *   BENCH_LEVELS        concurrency levels (default 1,10,50)
 *   BENCH_SCALE         multiplies the number of turns per level (default 1)
 *   BENCH_CPU_PROF      a directory: run the service with --cpu-prof and write its profile there
 *                       (then: npx tsx test/bench/profile-summary.ts <dir>/*.cpuprofile)
 *   BENCH_JSON          a file to write the results to, as JSON
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openBenchDatabase, type BenchDatabase } from "./bench-database.js";
import { runLoad, runThreads, modelTarget, serviceTarget, type LoadResult, type Sample, type Target } from "./load.js";
import { cpuMs, freePort, memoryMiB, spawnTs, treeCpuMs, waitForHttp, waitForLine, type Child } from "./processes.js";
import { latencyTable, loadFigures, multiTurnTable, resourceTable, targetLines, type LevelResult, type Resources } from "./report.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const TURNS: Record<number, number> = { 1: 100, 10: 300, 50: 1000 };
const WARMUP_TURNS = 20;
const THREADS = 10;
const TURNS_PER_THREAD = 5;
const scale = Number(process.env.BENCH_SCALE ?? 1);
const levels = (process.env.BENCH_LEVELS ?? "1,10,50").split(",").map(Number);
const maxConcurrency = Math.max(...levels);

const cleanup: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanup.length > 0) await cleanup.pop()!().catch((err) => console.error("cleanup:", err));
}

async function main(): Promise<void> {
  const tempDir = await mkdtemp(path.join(os.tmpdir(), "threadloom-bench-"));
  cleanup.push(() => rm(tempDir, { recursive: true, force: true }));
  log(`starting: PostgreSQL, mock model, service (temp dir ${tempDir})`);

  const db = await openBenchDatabase(tempDir);
  cleanup.push(() => db.drop());

  const model = spawnTs("mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS)]);
  cleanup.push(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));

  const service = await startService(db, modelURL, tempDir);
  const serviceURL = service.url;
  cleanup.push(() => service.child.stop());

  const modelT = modelTarget(modelURL, maxConcurrency);
  const serviceT = serviceTarget(serviceURL, maxConcurrency);
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
    const m = await measure(modelT, concurrency, turns, service.child, model, db);
    const s = await measure(serviceT, concurrency, turns, service.child, model, db);
    results.push({ concurrency, model: loadFigures(m.load), service: loadFigures(s.load), modelResources: m.resources, serviceResources: s.resources });
  }

  log(`multi-turn: ${THREADS} threads x ${TURNS_PER_THREAD} turns, one thread at a time`);
  const byTurn = await runThreads(serviceT, THREADS, TURNS_PER_THREAD);

  const mem = memoryMiB(service.child.pid);
  print(db, results, byTurn, mem);
  if (process.env.BENCH_JSON) {
    await writeFile(process.env.BENCH_JSON, JSON.stringify({ levels: results, multiTurn: byTurn }, null, 2));
    log(`wrote ${process.env.BENCH_JSON}`);
  }
}

async function startService(db: BenchDatabase, modelURL: string, tempDir: string): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const profDir = process.env.BENCH_CPU_PROF;
  const child = spawnTs("service", "src/main.ts", [], {
    nodeArgs: profDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(profDir)}`] : [],
    env: {
      DATABASE_URL: db.url,
      DATA_DIR: path.join(tempDir, "service-data"),
      OPENAI_BASE_URL: modelURL,
      OPENAI_API_KEY: "bench",
      OPENAI_MODEL: "mock-model",
      OPENAI_MAX_RETRIES: "0",
      HOST: "127.0.0.1",
      PORT: String(port),
      API_KEYS: "",
      LOG_LEVEL: "warn",
      // Every concurrent run may hold a connection at once, plus the mirror and run bookkeeping.
      DB_POOL_MAX: String(maxConcurrency + 10),
      NODE_ENV: "production",
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(child, `${url}/readyz`);
  return { child, url };
}

async function measure(target: Target, concurrency: number, turns: number, service: Child, model: Child, db: BenchDatabase): Promise<{ load: LoadResult; resources: Resources }> {
  const before = snapshot(service, model, db);
  const load = await runLoad(target, concurrency, turns);
  const after = snapshot(service, model, db);
  const per = (a: number, b: number) => (a - b) / turns;
  const mem = memoryMiB(service.pid);
  return {
    load,
    resources: {
      serviceCpuMsPerTurn: per(after.service, before.service),
      postgresCpuMsPerTurn: after.postgres === null || before.postgres === null ? null : per(after.postgres, before.postgres),
      modelCpuMsPerTurn: per(after.model, before.model),
      clientCpuMsPerTurn: per(after.client, before.client),
      serviceCores: (after.service - before.service) / load.wallMs,
      serviceRssMiB: mem.rss,
      servicePeakMiB: mem.peak,
    },
  };
}

function snapshot(service: Child, model: Child, db: BenchDatabase) {
  const usage = process.cpuUsage();
  return {
    service: cpuMs(service.pid),
    model: cpuMs(model.pid),
    postgres: db.postmasterPid === null ? null : treeCpuMs(db.postmasterPid),
    client: (usage.user + usage.system) / 1000,
  };
}

function print(db: BenchDatabase, results: LevelResult[], byTurn: Sample[][], mem: { rss: number; peak: number }): void {
  const out = [
    "",
    `## threadloom bench — ${new Date().toISOString()}`,
    "",
    `node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; ${db.description}`,
    `mock model: ${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart, in its own process; each service turn is POST /api/chat on a new thread`,
    "TTFT: request sent -> first token frame read; turn: request sent -> response ended (service: after its `end` event)",
    "",
    "### Latency and throughput",
    "",
    latencyTable(results),
    "",
    "### CPU per turn (user+system, from /proc) and service memory",
    "",
    resourceTable(results),
    "",
    `### Multi-turn: ${THREADS} threads x ${TURNS_PER_THREAD} turns at concurrency 1 (by turn number in the thread)`,
    "",
    multiTurnTable(byTurn),
    "",
    `service RSS at the end: ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`,
    "",
    "### Targets",
    "",
    ...targetLines(results).map((l) => `- ${l}`),
    "",
  ];
  process.stdout.write(out.join("\n"));
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  console.error(err);
} finally {
  await cleanUp();
}
