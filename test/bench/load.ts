/**
 * The load generator: plain `node:http` with keep-alive (cheaper per request than fetch, and it
 * exposes the socket so wire bytes can be counted). It parses SSE only as far as the figures
 * need: the time of the first token marker, the number of markers, and the end of the response.
 */
import http from "node:http";
import type { Socket } from "node:net";

/** What to POST and which byte patterns mark a token and a failed turn in the answer. */
export interface Target {
  name: string;
  /** Turns go to these in turn (service replicas behind a client-side round robin). */
  urls: URL[];
  agent: http.Agent;
  /** Request body for the turn `key` (unique in the run); `threadId` is the one the previous turn of a multi-turn run got. */
  body(key: number, threadId?: string): string;
  tokenMarker: string;
  errorMarker: string;
  /**
   * Where the turn `key` goes when its path or headers name the thread (by default: the URL as given,
   * the thread the answer's X-Thread-Id names); `threadId` is the one it continues, if any.
   */
  route?(key: number, threadId?: string): { path: string; headers?: Record<string, string>; threadId: string };
}

export interface Sample {
  key: number;
  /** When the request was sent, in epoch ms (comparable with the mock model's ARRIVAL lines). */
  sentAt: number;
  ttftMs: number;
  turnMs: number;
  /** Response body (SSE) bytes. */
  bodyBytes: number;
  /** Everything the client's socket read for this response: status line, headers, chunk framing, body. */
  wireBytes: number;
  tokens: number;
  threadId?: string;
}

export interface LoadResult {
  samples: Sample[];
  wallMs: number;
}

/**
 * `turns` requests through `concurrency` workers (virtual users), each starting its next request
 * when one ends. A user holds one thread for `turnsPerThread` turns, then starts a new one, as a
 * person chatting does: a thread's history grows, and its state is read back on every turn. The
 * raw model ignores the thread, so its reference gets the same number of requests.
 */
export async function runLoad(target: Target, concurrency: number, turns: number, turnsPerThread = 1): Promise<LoadResult> {
  const samples: Sample[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    let threadId: string | undefined;
    let held = 0;
    while (next < turns) {
      next++;
      if (held >= turnsPerThread) [threadId, held] = [undefined, 0];
      const sample = await turn(target, threadId);
      samples.push(sample);
      threadId = sample.threadId;
      held++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, turns) }, worker));
  return { samples, wallMs: performance.now() - started };
}

/** `threads` conversations of `turnsPerThread` turns each, one after another (concurrency 1). */
export async function runThreads(target: Target, threads: number, turnsPerThread: number): Promise<Sample[][]> {
  const byTurn: Sample[][] = Array.from({ length: turnsPerThread }, () => []);
  for (let t = 0; t < threads; t++) {
    let threadId: string | undefined;
    for (let k = 0; k < turnsPerThread; k++) {
      const sample = await turn(target, threadId);
      threadId = sample.threadId;
      byTurn[k].push(sample);
    }
  }
  return byTurn;
}

let lastKey = 0;
const TURN_TIMEOUT_MS = 60_000;

export function turn(target: Target, threadId?: string, retryOf?: number): Promise<Sample> {
  const key = retryOf ?? ++lastKey;
  const route = target.route?.(key, threadId);
  const payload = target.body(key, route?.threadId ?? threadId);
  const { tokenMarker, errorMarker } = target;
  const base = target.urls[key % target.urls.length]!;
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const sentAt = performance.timeOrigin + t0;
    let socket: Socket | undefined;
    let socketStart = 0;
    let answered = false;
    const req = http.request(route ? new URL(route.path, base) : base, {
      method: "POST",
      agent: target.agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload), ...route?.headers },
    });
    // Keep-alive hands the socket back to the agent before "end", so keep a reference to it.
    req.on("socket", (s) => {
      socket = s;
      socketStart = s.bytesRead;
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      // The server closed an idle keep-alive socket (after its 5 s keepAliveTimeout) just as it was
      // reused: the request never reached it. Sent again once on a new socket, as Node's docs advise.
      if (retryOf === undefined && req.reusedSocket && err.code === "ECONNRESET" && !answered) resolve(turn(target, threadId, key));
      else reject(err);
    });
    // A stuck turn must fail the benchmark rather than hang it.
    req.setTimeout(TURN_TIMEOUT_MS, () => req.destroy(new Error(`${target.name}: turn ${key} timed out`)));
    req.on("response", (res) => {
      answered = true;
      let ttft = -1;
      let tokens = 0;
      let bodyBytes = 0;
      let carry = "";
      let failed = false;
      res.on("data", (chunk: Buffer) => {
        bodyBytes += chunk.length;
        // latin1 decodes without validation; the markers are ASCII, so positions stay right.
        const text = carry + chunk.toString("latin1");
        for (let at = text.indexOf(tokenMarker); at >= 0; at = text.indexOf(tokenMarker, at + tokenMarker.length)) {
          if (ttft < 0) ttft = performance.now() - t0;
          tokens++;
        }
        if (text.includes(errorMarker)) failed = true;
        carry = text.slice(-(Math.max(tokenMarker.length, errorMarker.length) - 1));
      });
      res.on("end", () => {
        const turnMs = performance.now() - t0;
        const wireBytes = (socket?.bytesRead ?? socketStart) - socketStart;
        if (res.statusCode !== 200 || failed || tokens === 0) {
          return reject(new Error(`${target.name}: turn ${key} failed (HTTP ${res.statusCode}, ${tokens} tokens${failed ? ", error event" : ""})`));
        }
        const header = res.headers["x-thread-id"];
        resolve({ key, sentAt, ttftMs: ttft, turnMs, bodyBytes, wireBytes, tokens, threadId: route?.threadId ?? (typeof header === "string" ? header : undefined) });
      });
      res.on("error", reject);
    });
    req.end(payload);
  });
}

/** The raw model stream: OpenAI chat completions with `stream: true`, as ChatOpenAI sends it. */
export function modelTarget(baseURL: string, connections: number): Target {
  const body = JSON.stringify({
    model: "mock-model",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Say something." }],
  });
  return {
    name: "model",
    urls: [new URL(`${baseURL}/chat/completions`)],
    agent: new http.Agent({ keepAlive: true, maxSockets: connections }),
    body: () => body,
    // Content deltas only: the first chunk carries `{"role":"assistant","content":""}`.
    tokenMarker: '"delta":{"content":',
    errorMarker: '"error":',
  };
}

/** threadloom's native chat protocol; a turn without a thread id starts a fresh thread. */
export function serviceTarget(baseURLs: string[], connections: number): Target {
  return {
    name: "service",
    urls: baseURLs.map((u) => new URL(`${u}/api/chat`)),
    agent: new http.Agent({ keepAlive: true, maxSockets: connections }),
    body: (key, threadId) => JSON.stringify({ message: `Say something. [${key}]`, ...(threadId ? { thread_id: threadId } : {}) }),
    tokenMarker: "event: token\n",
    errorMarker: "event: error\n",
  };
}
