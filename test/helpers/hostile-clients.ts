/**
 * Clients that misbehave on purpose, for soak tests and the bench: slow readers, which take a long
 * stream a few bytes at a time and so push back on the service (backpressure), and aborting clients,
 * which start a stream and go away after a short random time. Each uses a thread id of its own, so
 * what became of its run can be read back afterwards.
 *
 * A client refused for want of room (503, MAX_CONCURRENT_RUNS) tries again after a short pause, up to
 * `admitWithinMs`: the load stays at the service's limit rather than ending at the first refusal.
 */
import { randomUUID } from "node:crypto";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export type OnDisconnect = "continue" | "cancel";

export interface HostileClientsOptions {
  /** The service, `http://host:port`. */
  url: string;
  slowReaders: number;
  abortingClients: number;
  /** What each client says; the mock model can answer by it (long replies make slow readers fall behind). */
  message(kind: HostileKind, index: number): string;
  /** Each client's `on_disconnect`; by default every other one cancels. */
  onDisconnect?(kind: HostileKind, index: number): OnDisconnect;
  /** Aborting clients that use the Agent Server API (`POST /threads/<id>/runs/stream`) instead of /api/chat (default 0). */
  agentShare?: number;
  /** A slow reader takes this many bytes every `slowReadIntervalMs` (default 64 every 100 ms). */
  slowReadBytes?: number;
  slowReadIntervalMs?: number;
  /** How long a slow reader reads slowly before reading the rest at full speed (default 5–15 s, random), or that by reader. */
  slowForMs?: [number, number] | ((index: number) => [number, number]);
  /** An aborting client goes away this long after sending its request (default 20–800 ms, random). */
  abortAfterMs?: [number, number];
  /** How long a refused (503) client keeps trying (default 60 s). */
  admitWithinMs?: number;
  /** Spread the clients' first requests over this long (default 2 s). */
  rampMs?: number;
}

export type HostileKind = "slow" | "abort";

export interface HostileOutcome {
  kind: HostileKind;
  protocol: "native" | "agent";
  threadId: string;
  onDisconnect: OnDisconnect;
  /** The last HTTP status the client got (0: none, it went away before the response). */
  status: number;
  /** 503 answers before it was let in. */
  refused: number;
  /** Slow readers: the stream ended without its `end` event (the service cut the client). */
  cut: boolean;
  /** Slow readers: stream bytes read. */
  bytes: number;
  /** Something unexpected (a connection refused, a status other than 200 and 503). */
  error?: string;
}

/** Runs every client once, all at the same time; resolves when each has finished or gone away. */
export async function runHostileClients(options: HostileClientsOptions): Promise<HostileOutcome[]> {
  const ramp = options.rampMs ?? 2_000;
  const policy = options.onDisconnect ?? ((_kind: HostileKind, i: number) => (i % 2 === 0 ? "continue" : "cancel"));
  const agentEvery = options.agentShare ? Math.round(1 / options.agentShare) : 0;
  const clients: Promise<HostileOutcome>[] = [];
  for (let i = 0; i < options.slowReaders; i++) {
    clients.push(sleep(Math.random() * ramp).then(() => slowReader(options, i, policy("slow", i))));
  }
  for (let i = 0; i < options.abortingClients; i++) {
    const protocol = agentEvery > 0 && i % agentEvery === 0 ? "agent" : "native";
    clients.push(sleep(Math.random() * ramp).then(() => abortingClient(options, i, policy("abort", i), protocol)));
  }
  return Promise.all(clients);
}

const between = ([min, max]: [number, number]) => min + Math.random() * (max - min);

function chatBody(options: HostileClientsOptions, kind: HostileKind, index: number, threadId: string, onDisconnect: OnDisconnect): string {
  return JSON.stringify({ message: options.message(kind, index), thread_id: threadId, on_disconnect: onDisconnect });
}

async function abortingClient(options: HostileClientsOptions, index: number, onDisconnect: OnDisconnect, protocol: "native" | "agent"): Promise<HostileOutcome> {
  const threadId = randomUUID();
  const outcome: HostileOutcome = { kind: "abort", protocol, threadId, onDisconnect, status: 0, refused: 0, cut: false, bytes: 0 };
  const [path, body] =
    protocol === "native"
      ? ["/api/chat", chatBody(options, "abort", index, threadId, onDisconnect)]
      : [
          `/threads/${threadId}/runs/stream`,
          JSON.stringify({
            assistant_id: "chat", if_not_exists: "create", on_disconnect: onDisconnect, stream_mode: ["messages-tuple"],
            input: { messages: [{ type: "human", content: options.message("abort", index) }] },
          }),
        ];
  const deadline = Date.now() + (options.admitWithinMs ?? 60_000);
  for (;;) {
    outcome.status = 0;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), between(options.abortAfterMs ?? [20, 800]));
    try {
      const res = await fetch(`${options.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body, signal: controller.signal });
      outcome.status = res.status;
      if (res.status === 503 && Date.now() < deadline) {
        clearTimeout(timer);
        await res.body?.cancel();
        outcome.refused++;
        await sleep(100 + Math.random() * 400);
        continue;
      }
      if (res.status !== 200) outcome.error = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      // Read until the abort (or the end, for a reply shorter than the wait).
      else for await (const chunk of res.body!) outcome.bytes += chunk.length;
    } catch (err) {
      if ((err as Error).name !== "AbortError") outcome.error = String(err);
    } finally {
      clearTimeout(timer);
    }
    return outcome;
  }
}

async function slowReader(options: HostileClientsOptions, index: number, onDisconnect: OnDisconnect): Promise<HostileOutcome> {
  const threadId = randomUUID();
  const outcome: HostileOutcome = { kind: "slow", protocol: "native", threadId, onDisconnect, status: 0, refused: 0, cut: false, bytes: 0 };
  const body = chatBody(options, "slow", index, threadId, onDisconnect);
  const deadline = Date.now() + (options.admitWithinMs ?? 60_000);
  for (;;) {
    const slowFor = typeof options.slowForMs === "function" ? options.slowForMs(index) : options.slowForMs;
    const result = await slowRequest(options, body, slowFor).catch((err: Error) => ({ status: 0, cut: false, bytes: 0, error: String(err) }));
    outcome.status = result.status;
    if (result.status === 503 && Date.now() < deadline) {
      outcome.refused++;
      await sleep(100 + Math.random() * 400);
      continue;
    }
    Object.assign(outcome, { cut: result.cut, bytes: result.bytes });
    if ("error" in result && result.error) outcome.error = result.error;
    else if (result.status !== 200) outcome.error = `HTTP ${result.status}`;
    return outcome;
  }
}

/**
 * POST /api/chat on a raw socket: the response head read at once, then the body `slowReadBytes` at a
 * time (a paused socket leaves the rest in the kernel, so the service's writes back up), then the
 * rest at full speed, to see whether the stream was whole.
 */
function slowRequest(options: HostileClientsOptions, body: string, slowFor?: [number, number]): Promise<{ status: number; cut: boolean; bytes: number }> {
  const { hostname, port } = new URL(options.url);
  const readBytes = options.slowReadBytes ?? 64;
  const intervalMs = options.slowReadIntervalMs ?? 100;
  const slowForMs = between(slowFor ?? [5_000, 15_000]);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let head = "";
    let status = 0;
    let bytes = 0;
    // The last bytes seen, enough to find `event: end` across two reads.
    let tail = "";
    let ended = false;
    let ticker: NodeJS.Timeout | undefined;
    const take = (chunk: Buffer | string) => {
      const text = chunk.toString();
      bytes += chunk.length;
      tail = (tail + text).slice(-4_096);
      if (/(^|\n)event: end\n/.test(tail)) ended = true;
    };
    let failure = "";
    socket.on("error", (err: NodeJS.ErrnoException) => (failure ||= err.code ?? err.message));
    socket.on("close", () => {
      clearInterval(ticker);
      if (status === 0) return reject(new Error(`connection closed before a response head (${failure || "no error"}): ${head.slice(0, 200)}`));
      resolve({ status, cut: status === 200 && !ended, bytes });
    });
    const onHead = (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const at = head.indexOf("\r\n\r\n");
      if (at < 0) return;
      socket.off("data", onHead);
      status = Number(head.slice(9, 12));
      const rest = Buffer.from(head.slice(at + 4), "latin1");
      if (rest.length > 0) take(rest);
      if (status !== 200) {
        socket.on("data", take);
        return;
      }
      socket.pause();
      const started = Date.now();
      ticker = setInterval(() => {
        if (Date.now() - started < slowForMs) {
          const n = Math.min(readBytes, socket.readableLength);
          const chunk = n > 0 ? (socket.read(n) as Buffer | null) : null;
          if (chunk) take(chunk);
          return;
        }
        clearInterval(ticker);
        socket.on("data", take);
        socket.resume();
      }, intervalMs);
    };
    socket.on("data", onHead);
    socket.write(
      `POST /api/chat HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** Counts of outcomes, for a log line or a report. */
export function summarizeHostile(outcomes: HostileOutcome[]): Record<string, number> {
  const count = (f: (o: HostileOutcome) => boolean) => outcomes.filter(f).length;
  return {
    slowReaders: count((o) => o.kind === "slow"),
    slowCut: count((o) => o.kind === "slow" && o.cut),
    abortingClients: count((o) => o.kind === "abort"),
    agentApi: count((o) => o.protocol === "agent"),
    refused503: outcomes.reduce((n, o) => n + o.refused, 0),
    neverAdmitted: count((o) => o.status === 503),
    errors: count((o) => o.error !== undefined),
  };
}
