/**
 * The bench's manifest part: what serving a graph from langgraph.json costs per turn. The same chat
 * graph two ways, in the same run, on the same database and mock model: the repo's manifest entry
 * (`graphs/chat.ts:graph`, its model read from the environment on each call) and the hand wiring it
 * replaced (test/bench/hand-wired-chat.ts, its model built once, served through a manifest of its
 * own). Each serves multi-turn threads (10 threads, 5 turns each) in turn, ROUNDS times, alternating
 * so that drift of the machine falls on both; the figure is manifest / hand-wired, per percentile.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchDatabase } from "./bench-database.js";
import { runThreads, serviceTarget, type Sample } from "./load.js";
import { spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const THREADS = 10;
const TURNS_PER_THREAD = 5;
const ROUNDS = 3;
const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface ManifestBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

export async function benchManifest(options: ManifestBenchOptions): Promise<string> {
  const { log } = options;
  const model = spawnTs("manifest mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS)]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const handWired = path.join(options.tempDir, "hand-wired.langgraph.json");
  await writeFile(handWired, JSON.stringify({ graphs: { chat: `${path.join(HERE, "hand-wired-chat.ts")}:graph` } }));
  const ways = [
    { name: "manifest (graphs/chat.ts:graph)", env: {} as Record<string, string> },
    { name: "hand-wired (its model built once)", env: { LANGGRAPH_JSON: handWired } },
  ];
  const samples: Sample[][] = ways.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, way] of ways.entries()) {
      log(`manifest: round ${round + 1}/${ROUNDS}, ${way.name}: ${THREADS} threads x ${TURNS_PER_THREAD} turns`);
      const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 20, env: way.env });
      const target = serviceTarget(services.urls, 1);
      try {
        await runThreads(target, 2, 2); // warm-up
        samples[i]!.push(...(await runThreads(target, THREADS, TURNS_PER_THREAD)).flat());
      } finally {
        target.agent.destroy();
        await services.stop();
      }
    }
  }
  return report(ways.map((w) => w.name), samples);
}

function report(names: string[], samples: Sample[][]): string {
  const at = (list: Sample[], pick: (s: Sample) => number, p: number) => percentile(list.map(pick), p);
  const [manifest, hand] = samples as [Sample[], Sample[]];
  const rows = names.map((name, i) => {
    const list = samples[i]!;
    return [name, String(list.length), at(list, (s) => s.ttftMs, 50).toFixed(1), at(list, (s) => s.ttftMs, 95).toFixed(1), at(list, (s) => s.turnMs, 50).toFixed(1), at(list, (s) => s.turnMs, 95).toFixed(1)];
  });
  const ratio = (pick: (s: Sample) => number, p: number) => (at(manifest, pick, p) / at(hand, pick, p)).toFixed(2);
  return [
    "",
    "### A graph from the manifest against the same graph wired by hand (test/bench/manifest-bench.ts)",
    "",
    `POST /api/chat, ${THREADS} threads x ${TURNS_PER_THREAD} turns each, one client, ${TOKENS} tokens ${TOKEN_DELAY_MS} ms apart; ${ROUNDS} alternating rounds of each.`,
    "",
    table(["graph", "turns", "TTFT p50 ms", "TTFT p95 ms", "turn p50 ms", "turn p95 ms"], rows),
    "",
    `manifest / hand-wired: TTFT p50 ${ratio((s) => s.ttftMs, 50)}x, p95 ${ratio((s) => s.ttftMs, 95)}x; turn p50 ${ratio((s) => s.turnMs, 50)}x, p95 ${ratio((s) => s.turnMs, 95)}x`,
    "",
  ].join("\n");
}
