import type { Response } from "express";
import type { ActiveRun } from "../runs/active-run.js";
import type { RunManager } from "../runs/run-manager.js";
import type { RunEvent } from "../streaming/run-event.js";
import { formatUiChunk, UI_MESSAGE_STREAM_HEADER, UI_STREAM_DONE } from "../streaming/encoders/ui-message-chunk.js";
import { UiMessageStreamEncoder, type UiMessageStreamOptions } from "../streaming/encoders/ui-message-stream.js";
import { openSse, type SseStream } from "./open-sse.js";
import { relayRun } from "./stream-run.js";

export interface UiStreamOptions extends UiMessageStreamOptions {
  heartbeatMs: number;
  maxBufferBytes?: number;
}

/** Opens a UI message stream response; `send` writes a run's event, and ends the stream after its last one. */
export function openUiStream(res: Response, headers: Record<string, string>, options: UiStreamOptions): { sse: SseStream; send(event: RunEvent): void } {
  const sse = openSse(res, { heartbeatMs: options.heartbeatMs, maxBufferBytes: options.maxBufferBytes, headers: { ...UI_MESSAGE_STREAM_HEADER, ...headers } });
  const encoder = new UiMessageStreamEncoder(options);
  return {
    sse,
    send(event) {
      for (const chunk of encoder.encode(event)) sse.write(formatUiChunk(chunk));
      if (event.type !== "end" && event.type !== "error") return;
      sse.write(UI_STREAM_DONE);
      sse.end();
    },
  };
}

/**
 * Starts a claimed run and streams it as the Vercel AI SDK's UI message stream. The client going
 * away is useChat's `stop()` unless it asked for `on_disconnect: "continue"` (to rejoin with `resume`).
 */
export async function streamUiRun(res: Response, runs: RunManager, run: ActiveRun, options: UiStreamOptions & { onDisconnect: "continue" | "cancel" }): Promise<void> {
  const { sse, send } = openUiStream(res, { "X-Thread-Id": run.input.clientThreadId ?? run.input.threadId, "X-Run-Id": run.runId }, options);
  await relayRun(runs, run, sse, options.onDisconnect, (event) => send(event));
}
