import type { RunEvent } from "../run-event.js";

/**
 * A native event as a WebSocket text message: the same JSON as the SSE frame's data (`type` first),
 * plus the run it belongs to (one socket carries several turns at once) and its `event_id`, the SSE
 * id: what `join` takes back as `last_event_id`. Not `id`: message, tool and interrupt events have
 * an `id` of their own. `ref` is the client's name for the frame that started the turn, on `start`.
 */
export function encodeWebSocket(event: RunEvent, seq: number, runId: string, ref?: string): string {
  return JSON.stringify({ ...event, run_id: runId, event_id: seq, ...(ref !== undefined && { ref }) });
}
