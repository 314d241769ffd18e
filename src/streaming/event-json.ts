import type { RunEvent } from "./run-event.js";

const encoded = new WeakMap<RunEvent, string>();

/**
 * An event's JSON, encoded once however many want it: a native run's SSE frame and its copy in
 * `run_events` carry the same text, and a token would otherwise be stringified for each.
 */
export function eventJson(event: RunEvent): string {
  let json = encoded.get(event);
  if (json === undefined) {
    json = JSON.stringify(event);
    encoded.set(event, json);
  }
  return json;
}
