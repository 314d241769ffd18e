import type { Response } from "express";
import type {} from "pino-http";
import { IdleTimer } from "../idle-timer.js";
import { formatSseComment } from "../streaming/sse-frame.js";

export interface SseStream {
  /** Writes an already-encoded frame; ignored once the client has gone (or was cut). */
  write(frame: string): void;
  end(): void;
  readonly closed: boolean;
  /** Bytes written and not yet taken by the client's connection: ours and the socket's. */
  readonly bufferedBytes: number;
  /** Called once if the client goes away before `end()` (or is cut for reading too slowly), at once if it already has. */
  onDisconnect(listener: () => void): void;
}

export interface SseOptions {
  heartbeatMs: number;
  /** A client that lets more than this wait unread is cut (SSE_MAX_BUFFER_BYTES); unbounded when not given. */
  maxBufferBytes?: number;
  headers?: Record<string, string>;
  /** False for a body that is not SSE (`Content-Type` in `headers`), where a comment would be data. */
  heartbeat?: boolean;
}

/**
 * Starts an SSE response: the headers proxies and browsers need, Nagle off so each token leaves at
 * once, and a comment heartbeat whenever nothing was written for `heartbeatMs`. Writes respect the
 * socket's backpressure: once it is full, frames wait here, up to `maxBufferBytes`; past that the
 * connection is ended, so a client that does not read costs a bounded amount of memory.
 */
export function openSse(res: Response, options: SseOptions): SseStream {
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
  // Frames the socket would not take yet, oldest first, and their size.
  const waiting: string[] = [];
  let waitingBytes = 0;
  let blocked = false;
  let cutOff = false;
  let peakBytes = 0;
  const maxBytes = options.maxBufferBytes ?? Infinity;
  const buffered = () => waitingBytes + res.writableLength;

  const heartbeat = new IdleTimer(options.heartbeatMs, () => {
    if (closed) return;
    // A client that reads nothing needs no heartbeat to stay connected.
    if (!blocked) send(formatSseComment("heartbeat"));
    heartbeat.start();
  });
  res.on("close", () => {
    heartbeat.stop();
    if (closed) return;
    closed = gone = true;
    for (const listener of listeners) listener();
  });
  if (!closed && options.heartbeat !== false) heartbeat.start();

  function send(frame: string): void {
    if (res.write(frame)) return;
    blocked = true;
    res.once("drain", drain);
  }

  function drain(): void {
    blocked = false;
    while (waiting.length > 0 && !blocked) {
      const frame = waiting.shift()!;
      waitingBytes -= Buffer.byteLength(frame);
      send(frame);
    }
  }

  function cut(frameBytes: number): void {
    res.req.log?.warn({ bufferedBytes: buffered(), peakBufferedBytes: peakBytes, frameBytes, maxBufferBytes: maxBytes }, "cut a client that reads the stream too slowly");
    cutOff = true;
    waiting.length = 0;
    waitingBytes = 0;
    // Node's HTTP corks the socket for a tick at each write: what this tick wrote (a run's held
    // events go out in one burst) is let go first, so the client gets what its connection took.
    while (res.socket?.writableCorked) res.socket.uncork();
    // Destroyed, not ended: an end would wait for the unread bytes. The close event tells listeners.
    res.destroy();
  }

  return {
    write(frame) {
      if (closed || cutOff) return;
      heartbeat.touch();
      if (!blocked) return send(frame);
      const bytes = Buffer.byteLength(frame);
      if (buffered() + bytes > maxBytes) return cut(bytes);
      waiting.push(frame);
      waitingBytes += bytes;
      peakBytes = Math.max(peakBytes, buffered());
    },
    end() {
      if (closed || cutOff) return;
      closed = true;
      heartbeat.stop();
      // What waits is bounded; the socket takes it with the end.
      for (const frame of waiting.splice(0)) res.write(frame);
      waitingBytes = 0;
      res.end();
    },
    get closed() {
      return closed;
    },
    get bufferedBytes() {
      return buffered();
    },
    onDisconnect(listener) {
      if (gone) listener();
      else listeners.push(listener);
    },
  };
}
