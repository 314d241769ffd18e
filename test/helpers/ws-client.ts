import WebSocket, { type ClientOptions } from "ws";

/** A `ws` client on `/api/ws` that keeps every frame it gets. */
export interface TestSocket {
  ws: WebSocket;
  /** Every frame received, parsed, in order. */
  frames: any[];
  send(frame: unknown): void;
  /** The first frame received (already, or from now on) that `match` accepts. */
  frame(match: (frame: any) => boolean): Promise<any>;
  /** Every frame of one run, once its `end` or `error` event arrived. */
  run(runId: string): Promise<any[]>;
  /** How the server closed the socket. */
  closed: Promise<{ code: number; reason: string }>;
}

export interface SocketOptions {
  key?: string;
  origin?: string;
  /** Path and query after the base URL (default `/api/ws`). */
  path?: string;
}

/** Opens `/api/ws`, with the API key as a bearer token when given; rejects if the upgrade is refused. */
export async function openSocket(baseUrl: string, options: SocketOptions = {}): Promise<TestSocket> {
  const ws = new WebSocket(wsUrl(baseUrl, options.path), clientOptions(options));
  const frames: any[] = [];
  const waiters = new Set<() => void>();
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)));
    for (const wake of waiters) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  const frame = (match: (frame: any) => boolean) =>
    new Promise<any>((resolve, reject) => {
      const check = () => {
        const found = frames.find(match);
        if (found === undefined) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
      void closed.then(() => {
        if (!waiters.has(check)) return;
        waiters.delete(check);
        reject(new Error(`socket closed without the frame awaited; got ${JSON.stringify(frames).slice(0, 2000)}`));
      });
    });
  return {
    ws,
    frames,
    send: (f) => ws.send(JSON.stringify(f)),
    frame,
    async run(runId) {
      await frame((f) => f.run_id === runId && (f.type === "end" || (f.type === "error" && f.event_id !== undefined)));
      return frames.filter((f) => f.run_id === runId && f.event_id !== undefined);
    },
    closed,
  };
}

/** An upgrade the service refuses: its HTTP status and problem document. */
export function refusedUpgrade(baseUrl: string, options: SocketOptions = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(baseUrl, options.path), clientOptions(options));
    ws.once("open", () => reject(new Error("the upgrade was accepted")));
    ws.once("error", reject);
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, body: body ? JSON.parse(body) : null }));
    });
  });
}

function wsUrl(baseUrl: string, path = "/api/ws"): string {
  return baseUrl.replace(/^http/, "ws") + path;
}

function clientOptions(options: SocketOptions): ClientOptions {
  return {
    headers: options.key ? { authorization: `Bearer ${options.key}` } : {},
    ...(options.origin && { origin: options.origin }),
  };
}
