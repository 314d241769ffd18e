/**
 * The bench's providers part: what a stored model provider costs per turn. Two stored assistants of
 * the chat graph on one service, in the same run, on the same database and mock model: one on the
 * environment's model server, one on a provider stored in the database that names the same server
 * (its key decrypted, its connection pinned to the resolved address, per call). Each serves
 * multi-turn threads in turn, ROUNDS times, alternating so that drift of the machine falls on both;
 * the figures are provider / environment: TTFT, turn time and the service's CPU per turn.
 */
import { randomBytes } from "node:crypto";
import type { BenchDatabase } from "./bench-database.js";
import { runThreads, serviceTarget, type Sample, type Target } from "./load.js";
import { cpuMs, spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const THREADS = 10;
const TURNS_PER_THREAD = 5;
const ROUNDS = 4;

export interface ProvidersBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

interface Way {
  name: string;
  assistantId: string;
  samples: Sample[];
  cpuMs: number;
}

export async function benchProviders(options: ProvidersBenchOptions): Promise<string> {
  const { log } = options;
  const model = spawnTs("providers mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS)]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const env = { SECRETS_KEY: randomBytes(32).toString("base64"), PROVIDER_ALLOWED_HOSTS: "127.0.0.1" };
  const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 20, env, name: "providers service" });
  options.defer(() => services.stop());
  const url = services.urls[0]!;
  const post = async (path: string, body: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const provider = await post("/api/providers", { name: "bench", base_url: modelURL, api_key: "sk-bench-provider-key", default_model: "mock-model" });
  const assistant = async (name: string, configurable: Record<string, unknown>) =>
    (await post("/api/assistants", { graph_id: "chat", name, config: { configurable } })).assistant_id as string;
  const ways: Way[] = [
    { name: "environment's model server", assistantId: await assistant("bench environment", { model: "mock-model" }), samples: [], cpuMs: 0 },
    { name: "stored provider (same server)", assistantId: await assistant("bench provider", { provider_id: provider.provider_id, model: "mock-model" }), samples: [], cpuMs: 0 },
  ];
  const pid = services.children[0]!.pid;
  for (let round = 0; round <= ROUNDS; round++) {
    for (const way of ways) {
      const target = assistantTarget(url, way.assistantId);
      try {
        if (round === 0) {
          log(`providers: warm-up, ${way.name}`);
          await runThreads(target, 2, 2);
          continue;
        }
        log(`providers: round ${round}/${ROUNDS}, ${way.name}: ${THREADS} threads x ${TURNS_PER_THREAD} turns`);
        const before = cpuMs(pid);
        way.samples.push(...(await runThreads(target, THREADS, TURNS_PER_THREAD)).flat());
        way.cpuMs += cpuMs(pid) - before;
      } finally {
        target.agent.destroy();
      }
    }
  }
  return report(ways);
}

/** The native chat protocol, each turn for one stored assistant. */
function assistantTarget(url: string, assistantId: string): Target {
  const target = serviceTarget([url], 1);
  return { ...target, body: (key, threadId) => JSON.stringify({ ...JSON.parse(target.body(key, threadId)), assistant_id: assistantId }) };
}

function report(ways: Way[]): string {
  const at = (list: Sample[], pick: (s: Sample) => number, p: number) => percentile(list.map(pick), p);
  const cpu = (way: Way) => way.cpuMs / way.samples.length;
  const rows = ways.map((way) => [
    way.name,
    String(way.samples.length),
    at(way.samples, (s) => s.ttftMs, 50).toFixed(1),
    at(way.samples, (s) => s.ttftMs, 95).toFixed(1),
    at(way.samples, (s) => s.turnMs, 50).toFixed(1),
    cpu(way).toFixed(1),
  ]);
  const [environment, provider] = ways as [Way, Way];
  const ratio = (pick: (s: Sample) => number, p: number) => (at(provider.samples, pick, p) / at(environment.samples, pick, p)).toFixed(2);
  return [
    "",
    "### A stored provider against the environment's model server (test/bench/providers-bench.ts)",
    "",
    `POST /api/chat with a stored assistant, ${THREADS} threads x ${TURNS_PER_THREAD} turns each, one client, ${TOKENS} tokens ${TOKEN_DELAY_MS} ms apart; ${ROUNDS} alternating rounds of each; both on the same mock model server. Service CPU: user+system from /proc over each way's turns.`,
    "",
    table(["model server", "turns", "TTFT p50 ms", "TTFT p95 ms", "turn p50 ms", "service CPU ms per turn"], rows),
    "",
    `provider / environment: TTFT p50 ${ratio((s) => s.ttftMs, 50)}x, p95 ${ratio((s) => s.ttftMs, 95)}x; turn p50 ${ratio((s) => s.turnMs, 50)}x; service CPU per turn ${(cpu(provider) / cpu(environment)).toFixed(2)}x`,
    "",
  ].join("\n");
}
