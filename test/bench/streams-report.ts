/**
 * The streams part's tables and its goals (issue 15): RSS against the same process idle, the event
 * loop's delay while every stream is open against its delay idle, and what became of each client.
 */
import type { ChatStreamResult } from "./chat-stream-client.js";
import { ratio, type Goal } from "./goals.js";

/** The part of the service probe's reading (service-probe.ts) this part prints. */
export interface LoopProbe {
  elu: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  queries: number;
  poolWaitP95Ms: number;
  poolCheckedOutMax: number;
  liveAfterFullGcMiB: number | null;
  gcPauseMs: number;
  gcPauseMaxMs: number;
  gcLongPauses: number;
  gcLongScavenges: number;
}

export interface StreamsFigures {
  clients: number;
  /** Service processes, the clients spread over them in turn; per-process figures are the largest one's. */
  replicas: number;
  tokens: number;
  rampMs: number;
  poolMax: number;
  settings: Record<string, string>;
  timeoutMs: number;
  idle: Phase;
  idleRssMiB: number;
  rssSamples: number[];
  /** VmHWM at the end, and the highest sample while every stream was open. */
  peakRssMiB: number;
  steadyRssMiB: number;
  /** Whether there was a moment when every client that got tokens was streaming and none had ended. */
  steadyWindow: boolean;
  /** How many were streaming at that moment (the others failed before their first token). */
  streamingAtOnce: number;
  maxFds: number;
  phases: Phase[];
  results: ChatStreamResult[];
  wallMs: number;
}

/** A stretch of the part: the probe's reading, and the service's CPU and run-queue wait over it. */
export interface Phase {
  name: string;
  ms: number;
  cpuMs: number;
  runQueueMs: number;
  probe: LoopProbe;
}

const MIB = 2 ** 20;
const mb = (mib: number) => (mib * MIB) / 1e6;

export function streamsReport(f: StreamsFigures): { text: string; goals: Goal[] } {
  const reasons = new Map<string, number>();
  let complete = 0;
  for (const r of f.results) {
    const why = r.failure ?? (r.tokens !== f.tokens ? `${r.tokens} of ${f.tokens} tokens, then end success` : undefined);
    if (why) reasons.set(why, (reasons.get(why) ?? 0) + 1);
    else complete++;
  }
  const failures = [...reasons].sort((a, b) => b[1] - a[1]).map(([why, n]) => `${n} × ${why}`);
  const ttft = f.results.flatMap((r) => (r.ttftMs === undefined ? [] : [r.ttftMs])).sort((a, b) => a - b);
  const pct = (xs: number[], p: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]! : NaN);
  const steady = f.phases[1]?.probe;
  const steadyP99 = f.steadyWindow && steady ? steady.loopDelayP99Ms : NaN;
  const allAtOnce = f.steadyWindow && f.streamingAtOnce === f.clients;
  const workers = f.replicas === 1 ? "one worker" : `per worker, ${f.replicas} workers`;

  const goals: Goal[] = [
    {
      goal: `Streams: service RSS with ${f.clients} concurrent SSE streams (${workers})`, target: "< 300 MB", met: mb(f.peakRssMiB) < 300,
      measured: `${mb(f.peakRssMiB).toFixed(0)} MB peak (VmHWM); ${mb(f.steadyRssMiB).toFixed(0)} MB ${allAtOnce ? "while all streamed" : "from the ramp's end to the first end"}, ${ratio(f.steadyRssMiB, f.idleRssMiB)} the same process idle (${mb(f.idleRssMiB).toFixed(0)} MB)`,
    },
    {
      // Measured only with every client streaming: a window with fewer open streams is not the goal's load.
      goal: `Streams: event-loop delay p99 while all ${f.clients} streamed (1 token/s each${f.replicas === 1 ? "" : `; ${workers}`})`, target: "< 20 ms", met: allAtOnce ? steadyP99 < 20 : null,
      measured: !f.steadyWindow
        ? `no moment with all streaming: the first stream ended before the last began (ramp p99 ${f.phases[0]?.probe.loopDelayP99Ms.toFixed(1)} ms)`
        : `${allAtOnce ? "" : `not the goal's load: ${f.streamingAtOnce} of ${f.clients} streamed at once (the others failed first); `}` +
          `${steadyP99.toFixed(1)} ms (idle ${f.idle.probe.loopDelayP99Ms.toFixed(1)} ms: ${ratio(steadyP99, f.idle.probe.loopDelayP99Ms)}; ramp ${f.phases[0]!.probe.loopDelayP99Ms.toFixed(1)} ms)`,
    },
    {
      goal: `Streams: ${f.clients} streams completed with every token`, target: `${f.clients} of ${f.clients}`, met: complete === f.clients,
      measured: `${complete} of ${f.clients}${failures.length ? `; ${failures.slice(0, 4).join("; ")}` : ""}`,
    },
  ];

  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
  const phaseRow = ({ name, ms: wall, cpuMs, runQueueMs, probe: p }: Phase) => [
    name, (wall / 1000).toFixed(1), `${((cpuMs / wall) * 100).toFixed(0)} %`, `${((runQueueMs / wall) * 100).toFixed(0)} %`, ms(p.loopDelayP50Ms), ms(p.loopDelayP99Ms), ms(p.loopDelayMaxMs), `${(p.elu * 100).toFixed(0)} %`, ms(p.poolWaitP95Ms), String(p.poolCheckedOutMax), String(p.queries),
    p.liveAfterFullGcMiB === null ? "-" : mb(p.liveAfterFullGcMiB).toFixed(0), `${((p.gcPauseMs / wall) * 100).toFixed(1)} %`, ms(p.gcPauseMaxMs),
    `${p.gcLongPauses} (${p.gcLongScavenges})`,
  ];
  const settings = Object.entries({ ...f.settings, DB_POOL_MAX: String(f.poolMax) }).map(([k, v]) => `${k}=${v}`).join(", ");
  const text = [
    "",
    `### ${f.clients} concurrent SSE streams (test/bench/streams-bench.ts)`,
    "",
    `${f.clients} clients, started over ${f.rampMs} ms, each POST /api/chat on a new thread followed to its \`end\`; the model streams`,
    `${f.tokens} tokens one second apart (its own process). ${f.replicas === 1 ? "One service process" : `${f.replicas} service processes, the clients spread over them in turn (RSS and descriptors: the largest process's; loop delay: the worst's; CPU, SQL, GC time: summed),`} with ${settings}.`,
    "Event-loop delay from monitorEventLoopDelay in the service (service-probe.ts), per phase; service CPU and the time its JavaScript",
    `thread was ready but had no core (/proc, in % of the phase's wall time); RSS from /proc every 250 ms; a client gives up after ${f.timeoutMs / 1000} s without data.`,
    "Live heap: the most V8's heap held right after a full collection in the phase (none forced; - when none ran). GC: the",
    `collections' time on the JavaScript thread, in % of the phase, the longest one, and how many held it over 20 ms (of those, scavenges:`,
    "the young generation's; each such pause is one loop-delay sample past the goal's bound).",
    "",
    table(["phase", "s", "service CPU", "ready, no core", "loop delay p50 ms", "p99 ms", "max ms", "ELU", "pool wait p95 ms", "pool max out", "SQL", "live heap MB", "GC", "longest GC ms", "GC > 20 ms (scavenges)"], [
      phaseRow(f.idle),
      ...f.phases.map(phaseRow),
    ]),
    "",
    `streaming at once (after the ramp, before any stream ended): ${f.steadyWindow ? f.streamingAtOnce : "none: a stream ended before the last began"} of ${f.clients}`,
    `service RSS: idle ${mb(f.idleRssMiB).toFixed(0)} MB; ${allAtOnce ? "while all streamed" : "highest from the end of the ramp to the first end"} ${mb(f.steadyRssMiB).toFixed(0)} MB ` +
      `${f.steadyWindow && f.streamingAtOnce > 0 ? `(${(((f.steadyRssMiB - f.idleRssMiB) * 1024) / (f.streamingAtOnce / f.replicas)).toFixed(0)} KiB per open stream${f.replicas === 1 ? "" : " of its share"})` : ""}; peak (VmHWM) ${mb(f.peakRssMiB).toFixed(0)} MB; open file descriptors at most ${f.maxFds}`,
    `run starts: ${f.clients} in ${((f.phases[0]?.ms ?? NaN) / 1000).toFixed(1)} s of ramp (${(f.clients / ((f.phases[0]?.ms ?? NaN) / 1000)).toFixed(1)} a second), ` +
      `${((f.phases[0]?.probe.queries ?? NaN) / f.clients).toFixed(1)} SQL statements per client over the ramp (its streams' event writes included)`,
    `time to first token: p50 ${ms(pct(ttft, 50))} ms, p99 ${ms(pct(ttft, 99))} ms, max ${ms(ttft.at(-1) ?? NaN)} ms; all ended after ${(f.wallMs / 1000).toFixed(1)} s`,
    `streams: ${complete} complete of ${f.clients}${failures.length ? `; not complete: ${failures.join("; ")}` : ""}`,
    "",
  ].join("\n");
  return { text, goals };
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}
