import http from "node:http";
import { residentSetBytes } from "../../src/db/process-info.js";
import { buildRequest, type FuzzRequest } from "./fuzz-request.js";
import { Prng } from "./prng.js";
import { Gen, ROUTE_GENERATORS, type FuzzIds } from "./route-generators.js";

export interface FuzzOptions {
  url: string;
  seed: number;
  requests: number;
  apiKey: string;
  /** The app's routes, as Express reports them (test/helpers/app-routes.ts). */
  routes: string[];
  ids: FuzzIds;
  /** Requests in flight at once (several, so runs on one thread meet each other). */
  concurrency?: number;
  /** Only these request indices (a replay of findings). */
  only?: number[];
  /** The service's pid, to sample its RSS while the fuzz runs. */
  pid?: number;
  log?: (line: string) => void;
}

export interface Finding {
  kind: "server error" | "503 without Retry-After" | "error not problem+json" | "error not in OpenAI's shape" | "no response" | "timeout" | "route without generator" | "generator without route";
  detail: string;
  /** Replay: FUZZ_SEED=<seed> FUZZ_ONLY=<index> npm run fuzz */
  seed: number;
  index: number;
  route: string;
  request?: FuzzRequest & { bodyLength?: number };
  status?: number;
}

export interface FuzzSummary {
  seed: number;
  requests: number;
  durationMs: number;
  byStatus: Record<number, number>;
  byRoute: Record<string, Record<number, number>>;
  findings: Finding[];
  /** 400s whose problem names no field (no `invalid_params`), by route: one example each. Reported, not failed. */
  unnamed400: Record<string, { count: number; detail: string; index: number }>;
  /** Peak RSS sampled while the fuzz ran, in bytes (null without a pid or /proc). */
  peakRssBytes: number | null;
}

const TIMEOUT_MS = 30_000;
/** How much of a stream is read before the client goes away: streams must not hold the fuzz up. */
const STREAM_READ_MS = 150;
const STREAM_READ_BYTES = 32_768;

/** Routes without a generator and generators without a route: either one fails the fuzz. */
export function routeCoverage(routes: string[]): { missing: string[]; stale: string[] } {
  return {
    missing: routes.filter((r) => !(r in ROUTE_GENERATORS)),
    stale: Object.keys(ROUTE_GENERATORS).filter((r) => !routes.includes(r)),
  };
}

/** The request `index` of a fuzz with `seed`: the same on every run, whatever the responses were. */
export function fuzzRequest(seed: number, index: number, routes: string[], ids: FuzzIds, apiKey: string): { route: string; request: FuzzRequest } {
  const rng = Prng.forRequest(seed, index);
  const route = rng.pick([...routes].sort());
  const spec = ROUTE_GENERATORS[route]!(new Gen(rng, ids));
  return { route, request: buildRequest(rng, route, spec, apiKey) };
}

interface Outcome {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  error?: string;
  timedOut?: boolean;
}

function send(agent: http.Agent, base: URL, req: FuzzRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) (settled = true), resolve(o);
    };
    // Content-Length always: without it Node sends a GET's or DELETE's body unframed, and the server reads it as the next request.
    const headers = req.body === undefined ? req.headers : { ...req.headers, "content-length": String(Buffer.byteLength(req.body)) };
    const r = http.request({ agent, host: base.hostname, port: base.port, method: req.method, path: req.path, headers }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const streaming = /text\/event-stream/.test(res.headers["content-type"] ?? "");
      const finish = () => done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
      if (streaming) {
        const timer = setTimeout(() => (finish(), res.destroy()), STREAM_READ_MS);
        res.on("close", () => (clearTimeout(timer), finish()));
      }
      res.on("data", (d: Buffer) => {
        size += d.length;
        if (!streaming || size <= STREAM_READ_BYTES) chunks.push(d);
        else (finish(), res.destroy());
      });
      res.on("end", finish);
      res.on("error", () => finish());
    });
    r.setTimeout(TIMEOUT_MS, () => (done({ timedOut: true, error: `no answer in ${TIMEOUT_MS} ms` }), r.destroy()));
    r.on("error", (err) => done({ error: `${(err as NodeJS.ErrnoException).code ?? ""} ${err.message}` }));
    if (req.body !== undefined) r.end(req.body);
    else r.end();
  });
}

/**
 * `/v1` answers errors as OpenAI does, for its clients: `{"error": {"message", "type", "param", "code"}}`
 * (paths match whatever their case, as Express routes them). Not a 431: Node's HTTP parser refuses
 * those headers before any route, as problem+json wherever they were sent.
 */
const isOpenAiPath = (path: string, status: number) => /^\/v1(\/|\?|$)/i.test(path) && status !== 431;

function isOpenAiError(o: Outcome): boolean {
  try {
    const { error } = JSON.parse(o.body ?? "");
    return typeof error.message === "string" && typeof error.type === "string" && "param" in error && "code" in error;
  } catch {
    return false;
  }
}

function checkOutcome(o: Outcome, path: string): Pick<Finding, "kind" | "detail"> | null {
  if (o.timedOut) return { kind: "timeout", detail: o.error ?? "" };
  if (o.status === undefined) return { kind: "no response", detail: o.error ?? "the connection ended without a response" };
  const type = o.headers?.["content-type"] ?? "";
  if (o.status >= 500 && o.status !== 503) return { kind: "server error", detail: (o.body ?? "").slice(0, 500) };
  if (o.status === 503 && !o.headers?.["retry-after"]) return { kind: "503 without Retry-After", detail: (o.body ?? "").slice(0, 500) };
  if (o.status >= 400 && isOpenAiPath(path, o.status)) {
    return type.startsWith("application/json") && isOpenAiError(o) ? null : { kind: "error not in OpenAI's shape", detail: `${type}: ${(o.body ?? "").slice(0, 300)}` };
  }
  if (o.status >= 400 && !type.startsWith("application/problem+json")) return { kind: "error not problem+json", detail: `${type}: ${(o.body ?? "").slice(0, 300)}` };
  return null;
}

/** What a finding shows of its request: bodies cut to 2 kB (the seed and index make the whole one again). */
function shown(req: FuzzRequest): FuzzRequest & { bodyLength?: number } {
  const cut = (s: string) => (s.length > 2_000 ? `${s.slice(0, 2_000)}…` : s);
  return { ...req, path: cut(req.path), body: req.body === undefined ? undefined : cut(req.body), bodyLength: req.body?.length };
}

/** Sends `requests` seeded requests over every route and checks each answer; findings say how to replay them. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const { seed, routes, ids, apiKey } = options;
  const log = options.log ?? (() => {});
  const started = Date.now();
  const findings: Finding[] = [];
  const coverage = routeCoverage(routes);
  for (const route of coverage.missing) findings.push({ kind: "route without generator", detail: "add one to ROUTE_GENERATORS (test/fuzz/route-generators.ts)", seed, index: -1, route });
  for (const route of coverage.stale) findings.push({ kind: "generator without route", detail: "the app has no such route any more", seed, index: -1, route });
  const fuzzable = routes.filter((r) => r in ROUTE_GENERATORS);

  const byStatus: Record<number, number> = {};
  const byRoute: Record<string, Record<number, number>> = {};
  const unnamed400: FuzzSummary["unnamed400"] = {};
  const base = new URL(options.url);
  const concurrency = options.concurrency ?? 8;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const indices = options.only ?? Array.from({ length: options.requests }, (_, i) => i);
  let peak = options.pid ? residentSetBytes(options.pid) : null;
  const sampler = setInterval(() => {
    const rss = options.pid ? residentSetBytes(options.pid) : null;
    if (rss !== null && (peak === null || rss > peak)) peak = rss;
  }, 200);

  let next = 0;
  let sent = 0;
  const worker = async () => {
    while (next < indices.length) {
      const index = indices[next++]!;
      const { route, request } = fuzzRequest(seed, index, fuzzable, ids, apiKey);
      const outcome = await send(agent, base, request);
      sent++;
      if (outcome.status !== undefined) {
        byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
        const counts = (byRoute[route] ??= {});
        counts[outcome.status] = (counts[outcome.status] ?? 0) + 1;
      }
      if (outcome.status === 400 && !/"invalid_params"|"param":"/.test(outcome.body ?? "")) {
        const seen = (unnamed400[route] ??= { count: 0, detail: (outcome.body ?? "").slice(0, 300), index });
        seen.count++;
      }
      const problem = checkOutcome(outcome, request.path);
      if (problem) {
        findings.push({ ...problem, seed, index, route, request: shown(request), status: outcome.status });
        log(`finding #${findings.length} (${problem.kind}) at request ${index}, ${route}: ${problem.detail.slice(0, 200)}`);
      }
      if (sent % 1_000 === 0) log(`${sent}/${indices.length} requests, ${findings.length} findings`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  return { seed, requests: sent, durationMs: Date.now() - started, byStatus, byRoute, findings, unnamed400, peakRssBytes: peak };
}
