import type { Response } from "express";
import { IdleTimer } from "../idle-timer.js";
import { formatSseComment } from "../streaming/sse-frame.js";

export interface SseStream {
  /** Writes an already-encoded frame; ignored once the client has gone. */
  write(frame: string): void;
  end(): void;
  readonly closed: boolean;
  /** Called once if the client goes away before `end()`, at once if it already has. */
  onDisconnect(listener: () => void): void;
}

/**
 * Starts an SSE response: the headers proxies and browsers need, Nagle off so each token leaves at
 * once, and a comment heartbeat whenever nothing was written for `heartbeatMs`.
 */
export function openSse(res: Response, options: { heartbeatMs: number; headers?: Record<string, string> }): SseStream {
  // writeHead, not res.set: Express would append a charset to the event-stream type.
  res.writeHead(200, {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
    ...options.headers,
  });
  res.flushHeaders();
  res.socket?.setNoDelay(true);
  res.locals.metrics?.streamOpened(res);

  // A client can leave before the stream opens (while its run was being claimed): its socket's
  // close event has then already fired.
  let gone = res.socket?.destroyed ?? true;
  let closed = gone;
  const listeners: (() => void)[] = [];
  const heartbeat = new IdleTimer(options.heartbeatMs, () => {
    if (closed) return;
    res.write(formatSseComment("heartbeat"));
    heartbeat.start();
  });
  res.on("close", () => {
    heartbeat.stop();
    if (closed) return;
    closed = gone = true;
    for (const listener of listeners) listener();
  });
  if (!closed) heartbeat.start();

  return {
    write(frame) {
      if (closed) return;
      res.write(frame);
      heartbeat.touch();
    },
    end() {
      if (closed) return;
      closed = true;
      heartbeat.stop();
      res.end();
    },
    get closed() {
      return closed;
    },
    onDisconnect(listener) {
      if (gone) listener();
      else listeners.push(listener);
    },
  };
}
