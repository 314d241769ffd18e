/**
 * The bench's hostile part: what 200 slow readers and 500 aborting clients (test/helpers/hostile-clients.ts)
 * cost the other clients of the same service. A few well-behaved clients take turns on an idle
 * service, then again while the hostile clients run; the figure is their TTFT p95 under the hostile
 * load over their TTFT p95 idle, measured in the same run on the same service, with the service's
 * peak RSS.
 *
 * Its own mock model process: 32 tokens for the measured clients (as the other parts), HOSTILE_TOKENS
 * for the hostile ones, 2 ms apart. A measured turn refused with 503 (MAX_CONCURRENT_RUNS reached)
 * is tried again after 100–300 ms, and its TTFT counts from the first try, as such a client sees it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { runHostileClients, summarizeHostile, type HostileOutcome } from "../helpers/hostile-clients.js";
import type { BenchDatabase } from "./bench-database.js";
import { serviceTarget, turn, type Sample, type Target } from "./load.js";
import { spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const HOSTILE_TOKENS = 1_000;
const TOKEN_DELAY_MS = 2;
const SLOW_READERS = 200;
const ABORTING_CLIENTS = 500;
/** Measured clients, each taking one turn after another. */
const MEASURED = 5;
const IDLE_TURNS = 100;

export interface HostileBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  /** Registers a clean-up step (run in reverse order when the bench ends). */
  defer(step: () => Promise<unknown>): void;
}

interface Measured {
  samples: Sample[];
  /** 503 answers the measured clients got before being let in. */
  refused: number;
}

export async function benchHostile(options: HostileBenchOptions): Promise<string> {
  const { log } = options;
  const model = spawnTs("hostile mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS), String(HOSTILE_TOKENS)]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 20 });
  options.defer(() => services.stop());
  const url = services.urls[0]!;
  const target = serviceTarget([url], MEASURED);
  options.defer(async () => target.agent.destroy());

  log(`hostile: warm-up, then ${IDLE_TURNS} turns by ${MEASURED} clients on the idle service`);
  await measureTurns(target, () => false, 20);
  const idle = await measureTurns(target, () => false, IDLE_TURNS);
  const idleRss = services.memoryMiB();

  log(`hostile: ${SLOW_READERS} slow readers + ${ABORTING_CLIENTS} aborting clients (${HOSTILE_TOKENS}-token replies), the same ${MEASURED} clients meanwhile`);
  let done = false;
  const started = performance.now();
  const hostile = runHostileClients({
    url, slowReaders: SLOW_READERS, abortingClients: ABORTING_CLIENTS, agentShare: 0.2,
    message: (kind, i) => `hostile ${kind} client ${i}`, slowForMs: [3_000, 8_000],
  }).finally(() => (done = true));
  // Measured once the hostile clients have all arrived (they ramp up over 2 s).
  await sleep(2_000);
  const loaded = await measureTurns(target, () => done, Infinity);
  const outcomes: HostileOutcome[] = await hostile;
  const hostileMs = performance.now() - started;
  const mem = services.memoryMiB();
  return report(idle, loaded, summarizeHostile(outcomes), hostileMs, idleRss, mem);
}

/** MEASURED clients taking turns until `turns` were taken or `stop()` says so. */
async function measureTurns(target: Target, stop: () => boolean, turns: number): Promise<Measured> {
  const result: Measured = { samples: [], refused: 0 };
  let taken = 0;
  const client = async () => {
    while (taken < turns && !stop()) {
      taken++;
      const first = performance.now();
      for (;;) {
        try {
          const attempt = performance.now();
          const sample = await turn(target);
          result.samples.push({ ...sample, ttftMs: sample.ttftMs + (attempt - first) });
          break;
        } catch (err) {
          if (!/HTTP 503/.test(String(err))) throw err;
          result.refused++;
          await sleep(100 + Math.random() * 200);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: MEASURED }, client));
  return result;
}

function report(idle: Measured, loaded: Measured, hostile: Record<string, number>, hostileMs: number, idleRss: { rss: number; peak: number }, mem: { rss: number; peak: number }): string {
  const ttft = (m: Measured, p: number) => percentile(m.samples.map((s) => s.ttftMs), p);
  const row = (name: string, m: Measured) => [name, String(m.samples.length), String(m.refused), ttft(m, 50).toFixed(1), ttft(m, 95).toFixed(1)];
  return [
    "",
    "### Other clients during hostile load (test/bench/hostile-bench.ts)",
    "",
    `${MEASURED} clients take turns (POST /api/chat, ${TOKENS} tokens ${TOKEN_DELAY_MS} ms apart) on an idle service, then while ${SLOW_READERS} slow readers and ${ABORTING_CLIENTS} aborting clients`,
    `(test/helpers/hostile-clients.ts, ${HOSTILE_TOKENS}-token replies, one aborting client in five on the Agent Server API) use the same service process (MAX_CONCURRENT_RUNS 64).`,
    "A turn refused with 503 is tried again; its TTFT counts from the first try.",
    "",
    table(["measured clients", "turns", "503 retries", "TTFT p50 ms", "TTFT p95 ms"], [row("idle service", idle), row("during hostile load", loaded)]),
    "",
    `TTFT p95 during hostile load / idle: ${(ttft(loaded, 95) / ttft(idle, 95)).toFixed(2)}x`,
    `hostile clients: ${JSON.stringify(hostile)}, over ${(hostileMs / 1000).toFixed(1)} s`,
    `service RSS: ${idleRss.rss.toFixed(0)} MiB idle (peak ${idleRss.peak.toFixed(0)} MiB), peak ${mem.peak.toFixed(0)} MiB by the end of the hostile load, ${mem.rss.toFixed(0)} MiB after it`,
    "",
  ].join("\n");
}
