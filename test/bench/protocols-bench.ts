/**
 * The bench's protocols part: one turn of the same run through each protocol the service speaks, in
 * the same run, on the same database, service process and mock model, against the raw model stream.
 * Each protocol holds multi-turn threads (THREADS threads x TURNS_PER_THREAD turns, one at a time);
 * the protocols take turns over ROUNDS rounds, so that drift of the machine falls on all of them.
 * Figures: TTFT (request sent -> first token read) and what each adds over the raw model and over the
 * native SSE; bytes on the wire per model token; the service's CPU per turn (from /proc).
 */
import http from "node:http";
import { randomUUID } from "node:crypto";
import type { BenchDatabase } from "./bench-database.js";
import { modelTarget, serviceTarget, turn, type Sample, type Target } from "./load.js";
import { cpuMs, spawnTs, waitForLine } from "./processes.js";
import { percentile, table } from "./report.js";
import { startServices } from "./services.js";
import { webSocketTurns } from "./ws-turns.js";

const TOKENS = 32;
const TOKEN_DELAY_MS = 2;
const THREADS = 5;
const TURNS_PER_THREAD = 4;
const ROUNDS = 3;

export interface ProtocolsBenchOptions {
  db: BenchDatabase;
  tempDir: string;
  log(message: string): void;
  defer(step: () => Promise<unknown>): void;
}

/** One protocol: a turn on the thread it names (a new thread without one), as its clients send it. */
interface Protocol {
  name: string;
  /** Whether its turns run in the service (the raw model's do not: no service CPU is counted for it). */
  service: boolean;
  turn(threadId?: string): Promise<Sample>;
}

export async function benchProtocols(options: ProtocolsBenchOptions): Promise<string> {
  const { log } = options;
  const model = spawnTs("protocols mock model", "test/bench/mock-model-server.ts", [String(TOKENS), String(TOKEN_DELAY_MS)]);
  options.defer(() => model.stop());
  const modelURL = await waitForLine(model, (line) => (line.startsWith("{") ? (JSON.parse(line).url as string) : undefined));
  const services = await startServices({ db: options.db, modelURL, tempDir: options.tempDir, replicas: 1, poolMax: 20 });
  options.defer(() => services.stop());
  const url = services.urls[0]!;
  const targets = [modelTarget(modelURL, 1), serviceTarget([url], 1), agentServerTarget(url), uiStreamTarget(url), openAITarget(url)];
  options.defer(async () => targets.forEach((t) => t.agent.destroy()));
  const ws = await webSocketTurns(url);
  options.defer(async () => ws.close());
  const protocols: Protocol[] = [
    { name: "raw model (reference)", service: false, turn: () => turn(targets[0]!) },
    { name: "native SSE (POST /api/chat)", service: true, turn: (id) => turn(targets[1]!, id) },
    { name: "Agent Server (runs/stream, messages-tuple)", service: true, turn: (id) => turn(targets[2]!, id) },
    { name: "UI message stream (POST /api/ui/chat)", service: true, turn: (id) => turn(targets[3]!, id) },
    { name: "OpenAI chat completions (stream, X-Thread-Id)", service: true, turn: (id) => turn(targets[4]!, id) },
    { name: "WebSocket (/api/ws, one socket)", service: true, turn: (id) => ws.turn(id) },
  ];

  const samples = new Map<string, Sample[]>(protocols.map((p) => [p.name, []]));
  const cpu = new Map<string, number>(protocols.map((p) => [p.name, 0]));
  const pid = services.children[0]!.pid;
  log(`protocols: warm-up, then ${ROUNDS} rounds of ${THREADS} threads x ${TURNS_PER_THREAD} turns through each of ${protocols.length}`);
  for (const p of protocols) await threads(p, 2, 2);
  for (let round = 0; round < ROUNDS; round++) {
    for (const p of protocols) {
      const before = cpuMs(pid);
      samples.get(p.name)!.push(...(await threads(p, THREADS, TURNS_PER_THREAD)));
      cpu.set(p.name, cpu.get(p.name)! + cpuMs(pid) - before);
    }
  }
  return report(protocols, samples, cpu);
}

/** `count` conversations of `turns` turns each, one turn at a time. */
async function threads(protocol: Protocol, count: number, turns: number): Promise<Sample[]> {
  const all: Sample[] = [];
  for (let t = 0; t < count; t++) {
    let threadId: string | undefined;
    for (let k = 0; k < turns; k++) {
      const sample = await protocol.turn(threadId);
      threadId = sample.threadId;
      all.push(sample);
    }
  }
  return all;
}

/** The LangGraph Agent Server API as the SDK's `runs.stream` calls it, on a thread made by the first turn. */
function agentServerTarget(baseURL: string): Target {
  return {
    name: "agent server",
    urls: [new URL(baseURL)],
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    route: (_key, threadId) => {
      const id = threadId ?? randomUUID();
      return { path: `/threads/${id}/runs/stream`, threadId: id };
    },
    body: (key) => JSON.stringify({ assistant_id: "chat", input: { messages: [{ role: "user", content: `Say something. [${key}]` }] }, stream_mode: ["messages-tuple"], if_not_exists: "create" }),
    tokenMarker: "event: messages\n",
    errorMarker: "event: error\n",
  };
}

/** OpenAI's chat completions, streamed, on a thread named by X-Thread-Id (the client's own id). */
function openAITarget(baseURL: string): Target {
  return {
    name: "openai",
    urls: [new URL(baseURL)],
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    route: (key, threadId) => {
      const id = threadId ?? `bench-openai-${key}`;
      return { path: "/v1/chat/completions", headers: { "x-thread-id": id }, threadId: id };
    },
    body: (key) => JSON.stringify({ model: "chat", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: `Say something. [${key}]` }] }),
    // Content deltas only: the first chunk carries `{"role":"assistant","content":""}`.
    tokenMarker: '"delta":{"content":',
    errorMarker: '"error":',
  };
}

/** The Vercel AI SDK's useChat (DefaultChatTransport): the chat's id names the thread; only the new message matters. */
function uiStreamTarget(baseURL: string): Target {
  return {
    name: "ui message stream",
    urls: [new URL(baseURL)],
    agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
    route: (_key, threadId) => ({ path: "/api/ui/chat", threadId: threadId ?? randomUUID() }),
    body: (key, threadId) => JSON.stringify({ id: threadId, trigger: "submit-message", messages: [{ id: `m${key}`, role: "user", parts: [{ type: "text", text: `Say something. [${key}]` }] }] }),
    tokenMarker: '"type":"text-delta"',
    errorMarker: '"type":"error"',
  };
}

function report(protocols: Protocol[], samples: Map<string, Sample[]>, cpu: Map<string, number>): string {
  const p50 = (name: string) => percentile(samples.get(name)!.map((s) => s.ttftMs), 50);
  const [reference, native] = protocols as [Protocol, Protocol];
  const rows = protocols.map((p) => {
    const list = samples.get(p.name)!;
    const wire = list.reduce((n, s) => n + s.wireBytes, 0);
    return [
      p.name, String(list.length), p50(p.name).toFixed(1), percentile(list.map((s) => s.ttftMs), 95).toFixed(1),
      p === reference ? "—" : `+${(p50(p.name) - p50(reference.name)).toFixed(1)}`,
      p.service && p !== native ? `${(p50(p.name) - p50(native.name)) >= 0 ? "+" : ""}${(p50(p.name) - p50(native.name)).toFixed(1)}` : "—",
      (wire / (list.length * TOKENS)).toFixed(0),
      p.service ? (cpu.get(p.name)! / list.length).toFixed(1) : "—",
    ];
  });
  return [
    "",
    "### One turn through each protocol (test/bench/protocols-bench.ts)",
    "",
    `One service process, its own mock model (${TOKENS} tokens, ${TOKEN_DELAY_MS} ms apart); each protocol holds ${THREADS} threads x ${TURNS_PER_THREAD} turns, one turn at a time, in ${ROUNDS} alternating rounds.`,
    "TTFT: request sent -> first token read; wire bytes: all the client's socket read (headers, framing), per model token; service CPU: user+system from /proc over the protocol's turns.",
    "",
    table(["protocol", "turns", "TTFT p50 ms", "TTFT p95 ms", "added over the raw model (p50 ms)", "added over native SSE (p50 ms)", "wire bytes per token", "service CPU ms per turn"], rows),
    "",
  ].join("\n");
}
