/**
 * Preloaded into the service process (`--import`) by the benchmark, which changes nothing in src/.
 * On SIGUSR2 it prints one JSON line on stdout with what happened since the previous signal:
 *   - event-loop utilisation and delay (is the single JS thread the bottleneck?),
 *   - how long `pg.Pool#connect` waited for a client, and how many were checked out (is the pool?),
 *   - how many statements went to PostgreSQL (each one a round trip through the event loop),
 *   - for turns that ran alone, where the time to first token went (turn-timeline.ts),
 *   - the live heap: the most the heap held right after a full (mark-compact) collection, from V8's
 *     GCProfiler, which only reads what collections happen anyway (none is forced), and the time the
 *     collections held the JavaScript thread: in all, and the longest one (one cause of loop delay).
 * The pool figures wrap `connect`, which `pool.query` also goes through; the cost is two timestamps.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import v8 from "node:v8";
import pg from "pg";
import type { ServiceProbe } from "./report.js";
import { takeTimelines } from "./turn-timeline.js";

const PROBE_PREFIX = "BENCH_PROBE ";
let elu = performance.eventLoopUtilization();
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();

let gcs = new v8.GCProfiler();
gcs.start();

type GcProfile = ReturnType<v8.GCProfiler["stop"]>;

/** The largest heap in use right after a mark-compact in `profile`, in MiB; null without one. */
function liveAfterFullGc(profile: GcProfile): number | null {
  const after = (profile?.statistics ?? []).filter((gc) => gc.gcType === "MarkSweepCompact").map((gc) => gc.afterGC.heapStatistics.usedHeapSize);
  return after.length > 0 ? Math.max(...after) / 2 ** 20 : null;
}

/** A collection this long (ms) is a loop delay past the streams goal's p99 bound on its own. */
const LONG_GC_MS = 20;

/**
 * The collections' time on the JavaScript thread (`cost`, in µs): in all and the longest, in ms; and
 * how many took longer than LONG_GC_MS, and of those how many were young-generation ones (scavenges).
 */
function gcPauses(profile: GcProfile): Pick<ServiceProbe, "gcPauseMs" | "gcPauseMaxMs" | "gcLongPauses" | "gcLongScavenges"> {
  const stats = profile?.statistics ?? [];
  const costs = stats.map((gc) => gc.cost / 1000);
  const long = stats.filter((gc) => gc.cost / 1000 > LONG_GC_MS);
  return {
    gcPauseMs: costs.reduce((a, b) => a + b, 0),
    gcPauseMaxMs: Math.max(0, ...costs),
    gcLongPauses: long.length,
    gcLongScavenges: long.filter((gc) => gc.gcType === "Scavenge").length,
  };
}

const waits: number[] = [];
let checkedOut = 0;
let maxCheckedOut = 0;
let checkedOutSum = 0;
let samples = 0;

// Every statement, inside a transaction or not, goes through Client#query: count the round trips.
let queries = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: typeof query }).query = function (this: pg.Client, ...args: unknown[]) {
  queries++;
  return query.apply(this, args);
};

type Connect = (this: pg.Pool, cb?: (err: Error | undefined, client: pg.PoolClient, done: () => void) => void) => unknown;
const connect = pg.Pool.prototype.connect as unknown as Connect;

function track(client: pg.PoolClient | undefined, started: number): void {
  waits.push(performance.now() - started);
  if (!client) return;
  maxCheckedOut = Math.max(maxCheckedOut, ++checkedOut);
  const release = client.release;
  client.release = function (this: pg.PoolClient, ...args: Parameters<typeof release>) {
    checkedOut--;
    client.release = release;
    return release.apply(this, args);
  };
}

(pg.Pool.prototype as unknown as { connect: Connect }).connect = function (this: pg.Pool, cb) {
  const started = performance.now();
  if (cb) {
    return connect.call(this, (err, client, done) => {
      if (!err) track(client, started);
      cb(err, client, done);
    });
  }
  return (connect.call(this) as Promise<pg.PoolClient>).then((client) => (track(client, started), client));
};

// The mean number of clients checked out (in a query or in a transaction), sampled every 10 ms.
setInterval(() => {
  samples++;
  checkedOutSum += checkedOut;
}, 10).unref();

process.on("SIGUSR2", () => {
  const now = performance.eventLoopUtilization(elu);
  elu = performance.eventLoopUtilization();
  const sorted = waits.splice(0).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  const report = {
    elu: now.utilization,
    loopDelayP50Ms: delay.percentile(50) / 1e6,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
    queries,
    poolConnects: sorted.length,
    poolWaitP50Ms: pct(50),
    poolWaitP95Ms: pct(95),
    poolWaitTotalMs: sorted.reduce((a, b) => a + b, 0),
    poolCheckedOutAvg: samples ? checkedOutSum / samples : 0,
    poolCheckedOutMax: maxCheckedOut,
    timeline: takeTimelines(),
  };
  const profile = gcs.stop();
  const reading = { ...report, liveAfterFullGcMiB: liveAfterFullGc(profile), ...gcPauses(profile) };
  gcs = new v8.GCProfiler();
  gcs.start();
  delay.reset();
  maxCheckedOut = checkedOut;
  samples = checkedOutSum = queries = 0;
  process.stdout.write(`${PROBE_PREFIX}${JSON.stringify(reading)}\n`);
});
