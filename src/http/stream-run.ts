import type { Response } from "express";
import type { ActiveRun } from "../runs/active-run.js";
import type { RunManager } from "../runs/run-manager.js";
import type { NumberedEvent } from "../runs/native-run-events.js";
import { encodeNative } from "../streaming/encoders/native.js";
import { plainTextEncoder } from "../streaming/encoders/plain-text.js";
import { openSse, type SseStream } from "./open-sse.js";
import type { RunListener } from "../runs/run-channel.js";

export interface StreamRunOptions {
  heartbeatMs: number;
  /** Past this many unread bytes the client is cut, and the run goes on per `onDisconnect`. */
  maxBufferBytes?: number;
  /** What happens to the run when the client goes away mid-stream. */
  onDisconnect: "continue" | "cancel";
  /** The native SSE events (default), or the reply's plain text (`POST /api/chat?format=text`). */
  format?: "sse" | "text";
}

/** Starts a claimed run and streams it to the response, in the native protocol or as text, until it ends. */
export async function streamRun(res: Response, runs: RunManager, run: ActiveRun, options: StreamRunOptions): Promise<void> {
  const text = options.format === "text" ? plainTextEncoder() : null;
  const headers = { "X-Thread-Id": run.input.clientThreadId ?? run.input.threadId, "X-Run-Id": run.runId, ...(text ? { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" } : {}) };
  // Plain text has no comments: a heartbeat would be part of the reply.
  const sse = openSse(res, { heartbeatMs: options.heartbeatMs, maxBufferBytes: options.maxBufferBytes, headers, heartbeat: !text });
  await relayRun(runs, run, sse, options.onDisconnect, (event, seq) => {
    const frame = text ? text(event) : encodeNative(event, seq);
    if (frame) sse.write(frame);
    if (event.type === "end" || event.type === "error") sse.end();
  });
}

/**
 * Starts a claimed run and hands each of its events to `send` (which writes them to `sse` in its
 * protocol) until the run has ended; a client that goes away first stops listening, and the run goes
 * on or is cancelled per `onDisconnect`.
 */
export async function relayRun(runs: RunManager, run: ActiveRun, sse: SseStream, onDisconnect: "continue" | "cancel", send: RunListener): Promise<void> {
  const unsubscribe = run.channel.subscribe(send);
  sse.onDisconnect(() => {
    unsubscribe();
    if (onDisconnect === "cancel") runs.cancel(run.runId);
  });
  await runs.start(run);
  sse.end();
}

/**
 * Streams a native run being joined again (`events`, from RunManager.joinNativeRun) to the response,
 * in the native protocol, until its closing event; 204 when there is nothing left to send.
 */
export async function streamJoined(res: Response, events: AsyncGenerator<NumberedEvent>, gone: AbortController, options: Omit<StreamRunOptions, "onDisconnect"> & { headers: Record<string, string> }): Promise<void> {
  const first = await events.next();
  if (first.done) {
    res.status(204).end();
    return;
  }
  const sse = openSse(res, { heartbeatMs: options.heartbeatMs, maxBufferBytes: options.maxBufferBytes, headers: options.headers });
  sse.onDisconnect(() => gone.abort());
  sse.write(encodeNative(first.value.event, first.value.seq));
  for await (const { event, seq } of events) sse.write(encodeNative(event, seq));
  sse.end();
}
