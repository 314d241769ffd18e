/**
 * Preloaded into the service by turn-trace.ts: for each `/api/chat` request that runs alone, every
 * statement (start and end, ms from the request's start), the model request, and each SSE frame's
 * first line; printed as one JSON line (`TURN_TRACE {...}`) on stdout when the response closes.
 */
import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { performance } from "node:perf_hooks";
import inspector from "node:inspector";
import { writeFileSync } from "node:fs";
import pg from "pg";
import { watchClientQueries } from "../helpers/watch-client-queries.js";

// TRACE_PROF_DIR: each traced turn's CPU profile from its request to its model request.
const profDir = process.env.TRACE_PROF_DIR || undefined;
const session = profDir ? new inspector.Session() : null;
session?.connect();
session?.post("Profiler.enable");
session?.post("Profiler.setSamplingInterval", { interval: 50 });
let profiling = false;
let profiles = 0;

interface Mark { at: number; what: string; end?: number }
let current: { res: http.ServerResponse; start: number; marks: Mark[] } | null = null;
let inFlight = 0;
const at = () => (current ? Math.round((performance.now() - current.start) * 100) / 100 : 0);

diagnostics.subscribe("http.server.request.start", (message) => {
  const { request, response } = message as { request: http.IncomingMessage; response: http.ServerResponse };
  if (!request.url?.startsWith("/api/chat") && !request.url?.includes("/runs/stream")) return;
  inFlight++;
  current = inFlight === 1 ? { res: response, start: performance.now(), marks: [] } : null;
  if (current && session && !profiling) {
    profiling = true;
    session.post("Profiler.start");
  }
  response.once("close", () => {
    inFlight--;
    if (current?.res !== response) return;
    const trace = current;
    current = null;
    // Writes after the response (the run's end) come a little later: print after them.
    setTimeout(() => process.stdout.write(`TURN_TRACE ${JSON.stringify(trace.marks)}\n`), 300);
  });
});

diagnostics.subscribe("undici:request:create", () => {
  current?.marks.push({ at: at(), what: "model request" });
  if (profiling && session) {
    profiling = false;
    session.post("Profiler.stop", (err, result) => {
      if (!err) writeFileSync(`${profDir}/turn-${++profiles}.cpuprofile`, JSON.stringify(result.profile));
    });
  }
});
diagnostics.subscribe("undici:request:headers", () => current?.marks.push({ at: at(), what: "model headers" }));

const write = http.ServerResponse.prototype.write as (...args: unknown[]) => boolean;
http.ServerResponse.prototype.write = function (this: http.ServerResponse, ...args: unknown[]) {
  if (current?.res === this) {
    const text = typeof args[0] === "string" ? args[0] : Buffer.isBuffer(args[0]) ? args[0].toString() : "";
    const first = text.split("\n").find((l) => l.startsWith("event:")) ?? text.slice(0, 40);
    if (!current.marks.some((m) => m.what === `write ${first}`) ) current.marks.push({ at: at(), what: `write ${first}` });
  }
  return write.apply(this, args);
} as typeof http.ServerResponse.prototype.write;

watchClientQueries(({ text, values }) => {
  if (!current) return null;
  const mark: Mark = { at: at(), what: `sql ${text.replace(/\s+/g, " ").trim().slice(0, 110)}` };
  if (text.includes("WITH RECURSIVE page") && process.env.TRACE_READ_FILE) writeFileSync(process.env.TRACE_READ_FILE, JSON.stringify({ text, values }));
  current.marks.push(mark);
  return () => (mark.end = at());
});

// When a statement was asked of the pool (its Client#query above comes once a connection is free).
const poolQuery = pg.Pool.prototype.query as (...args: unknown[]) => unknown;
(pg.Pool.prototype as unknown as { query: typeof poolQuery }).query = function (this: pg.Pool, ...args: unknown[]) {
  if (current) {
    const text = typeof args[0] === "string" ? args[0] : ((args[0] as { text?: string })?.text ?? "?");
    current.marks.push({ at: at(), what: `pool.query ${text.replace(/\s+/g, " ").trim().slice(0, 60)} (idle ${this.idleCount}, total ${this.totalCount})` });
  }
  return poolQuery.apply(this, args);
};
