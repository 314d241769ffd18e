import { eventJson } from "../event-json.js";
import type { RunEvent } from "../run-event.js";
import { formatSse } from "../sse-frame.js";

/**
 * threadloom's own wire format: the SSE event name repeats the JSON `type`, so browser clients can
 * use addEventListener("token", ...) while raw-stream clients can switch on `type` alone.
 * JSON.stringify escapes every line break, so each frame carries exactly one `data:` line.
 * `seq` becomes the SSE id, which a reconnecting client sends back as Last-Event-ID.
 */
export function encodeNative(event: RunEvent, seq: number): string {
  // A token is the hot path: its name is one of ours and its id a number, so neither needs the
  // checks formatSse makes of any field (the same bytes; its tests pin them).
  if (event.type === "token") return `event: token\nid: ${seq}\ndata: ${eventJson(event)}\n\n`;
  return formatSse({ event: event.type, id: String(seq), data: eventJson(event) });
}
