/**
 * The service under test: one or more replicas of `src/main.ts` (each its own process, with the
 * probe preloaded), sharing one database, as the design's stateless replicas do.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchDatabase } from "./bench-database.js";
import { askJson, freePort, memoryMiB, spawnTs, waitForHttp, type Child } from "./processes.js";
import type { ServiceProbe } from "./report.js";

const PROBE_PREFIX = "BENCH_PROBE ";
// This checkout's probe, by absolute path: a baseline commit's tree is measured with the same one.
const PROBE = fileURLToPath(new URL("./service-probe.ts", import.meta.url));

/** The Node flags `npm start` runs the service with (heap tuning), so the bench measures the same. */
const START_FLAGS: string[] = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).scripts.start as string)
  .split(/\s+/)
  .filter((token) => /^--max-/.test(token));

export interface Services {
  children: Child[];
  urls: string[];
  /** Starts the probes' figures afresh. */
  resetProbes(): Promise<void>;
  /** The probes' figures since the last reset, merged over replicas. */
  probe(): Promise<ServiceProbe>;
  memoryMiB(): { rss: number; peak: number };
  stop(): Promise<void>;
}

export interface ServicesOptions {
  db: BenchDatabase;
  modelURL: string;
  tempDir: string;
  replicas: number;
  poolMax: number;
  /** A directory for `--cpu-prof` profiles, if wanted. */
  profileDir?: string;
  /** More environment for the service (LANGGRAPH_JSON, say). */
  env?: Record<string, string>;
  /** Another commit's tree (baseline-commit.ts) to run `src/main.ts` of, from there; default this checkout. */
  root?: string;
  /** Names the processes in error messages (default "service"). */
  name?: string;
}

export async function startServices(options: ServicesOptions): Promise<Services> {
  const started: { child: Child; url: string }[] = [];
  try {
    // One after another: the first applies the migrations, the others find nothing to do.
    for (let i = 0; i < options.replicas; i++) started.push(await startOne(options, i));
  } catch (err) {
    await Promise.all(started.map((s) => s.child.stop()));
    throw err;
  }
  const children = started.map((s) => s.child);
  return {
    children,
    urls: started.map((s) => s.url),
    resetProbes: async () => void (await Promise.all(children.map((c) => askJson(c, "SIGUSR2", PROBE_PREFIX)))),
    probe: async () => mergeProbes(await Promise.all(children.map((c) => askJson<ServiceProbe>(c, "SIGUSR2", PROBE_PREFIX)))),
    memoryMiB: () => children.map((c) => memoryMiB(c.pid)).reduce((a, b) => ({ rss: a.rss + b.rss, peak: a.peak + b.peak })),
    stop: async () => void (await Promise.all(children.map((c) => c.stop()))),
  };
}

async function startOne(options: ServicesOptions, index: number): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = spawnTs(`${options.name ?? "service"} #${index + 1}`, "src/main.ts", [], {
    cwd: options.root,
    preload: PROBE,
    nodeArgs: [...START_FLAGS, ...(options.profileDir ? ["--cpu-prof", `--cpu-prof-dir=${path.resolve(options.profileDir)}`] : [])],
    env: {
      DATABASE_URL: options.db.url,
      DATA_DIR: path.join(options.tempDir, `service-data-${index}`),
      OPENAI_BASE_URL: options.modelURL,
      OPENAI_API_KEY: "bench",
      OPENAI_MODEL: "mock-model",
      OPENAI_MAX_RETRIES: "0",
      HOST: "127.0.0.1",
      PORT: String(port),
      API_KEYS: "",
      LOG_LEVEL: "warn",
      DB_POOL_MAX: String(options.poolMax),
      NODE_ENV: "production",
      ...options.env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(child, `${url}/readyz`);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return { child, url };
}

/** Sums what adds up, keeps the worst of delays, averages utilisation; the timeline is replica 1's. */
function mergeProbes(probes: ServiceProbe[]): ServiceProbe {
  if (probes.length === 1) return probes[0];
  const sum = (f: (p: ServiceProbe) => number) => probes.reduce((n, p) => n + f(p), 0);
  const max = (f: (p: ServiceProbe) => number) => Math.max(...probes.map(f));
  return {
    elu: sum((p) => p.elu) / probes.length,
    loopDelayP50Ms: max((p) => p.loopDelayP50Ms),
    loopDelayP99Ms: max((p) => p.loopDelayP99Ms),
    loopDelayMaxMs: max((p) => p.loopDelayMaxMs),
    queries: sum((p) => p.queries),
    poolConnects: sum((p) => p.poolConnects),
    poolWaitP50Ms: max((p) => p.poolWaitP50Ms),
    poolWaitP95Ms: max((p) => p.poolWaitP95Ms),
    poolWaitTotalMs: sum((p) => p.poolWaitTotalMs),
    poolCheckedOutAvg: sum((p) => p.poolCheckedOutAvg),
    poolCheckedOutMax: sum((p) => p.poolCheckedOutMax),
    timeline: probes[0].timeline,
    // Each replica's own heap: their sum, when every one had a full collection.
    liveAfterFullGcMiB: probes.every((p) => p.liveAfterFullGcMiB !== null) ? sum((p) => p.liveAfterFullGcMiB!) : null,
    gcPauseMs: sum((p) => p.gcPauseMs),
    gcPauseMaxMs: max((p) => p.gcPauseMaxMs),
    gcLongPauses: sum((p) => p.gcLongPauses),
    gcLongScavenges: sum((p) => p.gcLongScavenges),
  };
}
