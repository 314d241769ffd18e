import type { RunEvent } from "../run-event.js";
import { formatSse } from "../sse-frame.js";

/**
 * threadloom's own wire format: the SSE event name repeats the JSON `type`, so browser clients can
 * use addEventListener("token", ...) while raw-stream clients can switch on `type` alone.
 * JSON.stringify escapes every line break, so each frame carries exactly one `data:` line.
 * `seq` becomes the SSE id, which a reconnecting client sends back as Last-Event-ID.
 */
export function encodeNative(event: RunEvent, seq: number): string {
  return formatSse({ event: event.type, id: String(seq), data: JSON.stringify(event) });
}
