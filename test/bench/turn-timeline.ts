/**
 * Part of the service probe: where the time to first token goes inside the service, for turns that
 * had the service to themselves (the concurrency-1 runs). With several turns in flight, statements
 * and model calls cannot be told apart without touching src/, so those turns are not recorded.
 *
 *   request start ─ SQL round trips + JS ─► model request created ─► first `token` frame written
 */
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { performance } from "node:perf_hooks";
import { watchClientQueries } from "../helpers/watch-client-queries.js";

interface Timeline {
  res: http.ServerResponse;
  start: number;
  sqlMs: number;
  statements: number;
  modelAt?: number;
  firstTokenAt?: number;
}

export interface TimelineSummary {
  turns: number;
  /** Request start -> the model request was created (medians, ms). */
  preModelMs: number;
  /** Of which: waiting on PostgreSQL round trips, and how many statements. */
  preModelSqlMs: number;
  preModelStatements: number;
  /** Model request created -> the first token frame handed to the client's socket. */
  modelToFirstTokenMs: number;
}

let inFlight = 0;
let current: Timeline | null = null;
const done: Timeline[] = [];

diagnostics.subscribe("http.server.request.start", (message) => {
  const { request, response } = message as { request: http.IncomingMessage; response: http.ServerResponse };
  if (!request.url?.startsWith("/api/chat")) return;
  inFlight++;
  current = inFlight === 1 ? { res: response, start: performance.now(), sqlMs: 0, statements: 0 } : null;
  response.once("close", () => {
    inFlight--;
    if (current?.res !== response) return;
    if (current.modelAt !== undefined && current.firstTokenAt !== undefined) done.push(current);
    current = null;
  });
});

diagnostics.subscribe("undici:request:create", () => {
  if (current && current.modelAt === undefined) current.modelAt = performance.now();
});

const write = http.ServerResponse.prototype.write as (...args: unknown[]) => boolean;
http.ServerResponse.prototype.write = function (this: http.ServerResponse, ...args: unknown[]) {
  if (current?.res === this && current.firstTokenAt === undefined && typeof args[0] === "string" && args[0].startsWith("event: token")) {
    current.firstTokenAt = performance.now();
  }
  return write.apply(this, args);
} as typeof http.ServerResponse.prototype.write;

watchClientQueries(() => {
  const timeline = current && current.modelAt === undefined ? current : null;
  if (!timeline) return null;
  const started = performance.now();
  return () => {
    timeline.sqlMs += performance.now() - started;
    timeline.statements++;
  };
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};

/** The recorded turns since the last call, summarised; the record starts afresh. */
export function takeTimelines(): TimelineSummary {
  const turns = done.splice(0);
  return {
    turns: turns.length,
    preModelMs: median(turns.map((t) => t.modelAt! - t.start)),
    preModelSqlMs: median(turns.map((t) => t.sqlMs)),
    preModelStatements: median(turns.map((t) => t.statements)),
    modelToFirstTokenMs: median(turns.map((t) => t.firstTokenAt! - t.modelAt!)),
  };
}
