/** Figures from samples, and the plain-text (markdown) tables the benchmark prints. */
import type { LoadResult, Sample } from "./load.js";

export interface Figures {
  turns: number;
  ttftP50: number;
  ttftP95: number;
  turnP50: number;
  turnP95: number;
  turnsPerSec: number;
  bodyBytesPerToken: number;
  wireBytesPerToken: number;
  tokensPerTurn: number;
  /** Request sent -> the service's model request reached the model (service turns only). */
  toModelP50: number;
  toModelP95: number;
}

/** When each turn's model request reached the mock model, by turn key (epoch ms). */
export type Arrivals = Map<number, number>;

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function figures(samples: Sample[], wallMs?: number, arrivals?: Arrivals): Figures {
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  const tokens = sum((s) => s.tokens);
  const toModel = arrivals ? samples.filter((s) => arrivals.has(s.key)).map((s) => arrivals.get(s.key)! - s.sentAt) : [];
  return {
    turns: samples.length,
    ttftP50: percentile(samples.map((s) => s.ttftMs), 50),
    ttftP95: percentile(samples.map((s) => s.ttftMs), 95),
    turnP50: percentile(samples.map((s) => s.turnMs), 50),
    turnP95: percentile(samples.map((s) => s.turnMs), 95),
    turnsPerSec: wallMs ? samples.length / (wallMs / 1000) : NaN,
    bodyBytesPerToken: sum((s) => s.bodyBytes) / tokens,
    wireBytesPerToken: sum((s) => s.wireBytes) / tokens,
    tokensPerTurn: tokens / samples.length,
    toModelP50: percentile(toModel, 50),
    toModelP95: percentile(toModel, 95),
  };
}

export const loadFigures = (r: LoadResult, arrivals?: Arrivals) => figures(r.samples, r.wallMs, arrivals);

/** CPU milliseconds per turn of each process during one measured phase, and the service's memory. */
export interface Resources {
  serviceCpuMsPerTurn: number;
  /** Time the service's main (JavaScript) thread was ready to run but had no core. */
  serviceRunQueueMsPerTurn: number;
  postgresCpuMsPerTurn: number | null;
  modelCpuMsPerTurn: number;
  clientCpuMsPerTurn: number;
  /** Share of the machine's cores the service used during the phase. */
  serviceCores: number;
  /** Cores busy on the whole machine, and those not used by the four processes measured here. */
  machineCores: number;
  otherCores: number;
  serviceRssMiB: number;
  servicePeakMiB: number;
}

/** What test/bench/service-probe.ts reports from inside the service process. */
export interface ServiceProbe {
  elu: number;
  loopDelayP50Ms: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  queries: number;
  poolConnects: number;
  poolWaitP50Ms: number;
  poolWaitP95Ms: number;
  poolWaitTotalMs: number;
  poolCheckedOutAvg: number;
  poolCheckedOutMax: number;
  timeline: { turns: number; preModelMs: number; preModelSqlMs: number; preModelStatements: number; modelToFirstTokenMs: number };
  /** The most the heap held right after a full collection since the last reading (MiB), null without one. */
  liveAfterFullGcMiB: number | null;
  /** The garbage collections' time on the JavaScript thread since the last reading, in all and the longest (ms). */
  gcPauseMs: number;
  gcPauseMaxMs: number;
  /** How many collections held it longer than 20 ms, and how many of those were scavenges (young generation). */
  gcLongPauses: number;
  gcLongScavenges: number;
}

export interface LevelResult {
  concurrency: number;
  model: Figures;
  service: Figures;
  modelResources: Resources;
  serviceResources: Resources;
  probe: ServiceProbe;
  /** The same load on the baseline commit's service (BENCH_BASELINE), when measured. */
  baseline?: { service: Figures; resources: Resources };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
const signed = (n: number) => (n >= 0 ? `+${f1(n)}` : f1(n));

/** A markdown table: the first two columns left-aligned, the rest right-aligned. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  return [line(header), `|${widths.map((w, i) => (i < 2 ? ":" : "-") + "-".repeat(w) + (i < 2 ? "-" : ":")).join("|")}|`, ...rows.map(line)].join("\n");
}

export function latencyTable(levels: LevelResult[]): string {
  const rows: string[][] = [];
  for (const l of levels) {
    for (const [name, f] of [["model (raw)", l.model], ["service", l.service]] as const) {
      rows.push([`c${l.concurrency}`, name, String(f.turns), f1(f.ttftP50), f1(f.ttftP95), f1(f.toModelP50), f1(f.turnP50), f1(f.turnP95), f1(f.turnsPerSec), f0(f.bodyBytesPerToken), f0(f.wireBytesPerToken)]);
    }
    const { model: m, service: s } = l;
    rows.push([`c${l.concurrency}`, "added (service - model)", "", signed(s.ttftP50 - m.ttftP50), signed(s.ttftP95 - m.ttftP95), "", signed(s.turnP50 - m.turnP50), signed(s.turnP95 - m.turnP95), "", "", ""]);
    rows.push([`c${l.concurrency}`, "ratio (service / model)", "", `x${f1(s.ttftP50 / m.ttftP50)}`, `x${f1(s.ttftP95 / m.ttftP95)}`, "", `x${f1(s.turnP50 / m.turnP50)}`, `x${f1(s.turnP95 / m.turnP95)}`, `x${(s.turnsPerSec / m.turnsPerSec).toFixed(2)}`, `x${f1(s.bodyBytesPerToken / m.bodyBytesPerToken)}`, `x${f1(s.wireBytesPerToken / m.wireBytesPerToken)}`]);
  }
  return table(["conc", "stream", "turns", "TTFT p50 ms", "TTFT p95 ms", "to model p50 ms", "turn p50 ms", "turn p95 ms", "turns/s", "SSE B/token", "wire B/token"], rows);
}

export function resourceTable(levels: LevelResult[]): string {
  const rows = levels.flatMap((l) =>
    ([["model (raw)", l.modelResources], ["service", l.serviceResources]] as const).map(([name, r]) => [
      `c${l.concurrency}`, name, f1(r.serviceCpuMsPerTurn), f1(r.serviceRunQueueMsPerTurn), r.postgresCpuMsPerTurn === null ? "n/a" : f1(r.postgresCpuMsPerTurn),
      f1(r.modelCpuMsPerTurn), f1(r.clientCpuMsPerTurn), r.serviceCores.toFixed(2), r.machineCores.toFixed(2), r.otherCores.toFixed(2), f0(r.serviceRssMiB), f0(r.servicePeakMiB),
    ]),
  );
  return table(["conc", "phase", "service CPU ms/turn", "service run-queue wait ms/turn", "postgres CPU ms/turn", "mock model CPU ms/turn", "client CPU ms/turn", "service cores", "machine busy cores", "other cores", "service RSS MiB", "peak RSS MiB"], rows);
}

export function internalsTable(levels: LevelResult[]): string {
  const rows = levels.map(({ concurrency: c, probe: p, service }) => [
    `c${c}`, "service", p.elu.toFixed(2), f1(p.loopDelayP50Ms), f1(p.loopDelayP99Ms), f1(p.loopDelayMaxMs),
    f1(p.queries / service.turns), f1(p.poolConnects / service.turns), f1(p.poolWaitP50Ms), f1(p.poolWaitP95Ms), f1(p.poolCheckedOutAvg), String(p.poolCheckedOutMax),
  ]);
  return table(["conc", "process", "event-loop utilisation", "loop delay p50 ms", "loop delay p99 ms", "loop delay max ms", "SQL statements/turn", "pool checkouts/turn", "pool wait p50 ms", "pool wait p95 ms", "clients out (mean)", "clients out (max)"], rows);
}

/** The service's part of the time to first token, for turns that had the service to themselves. */
export function ttftTable(levels: LevelResult[]): string {
  const rows = levels.filter((l) => l.probe.timeline.turns > 0).map(({ concurrency: c, probe: { timeline: t }, model, service }) => [
    `c${c}`, "service", String(t.turns), f1(service.ttftP50), f1(t.preModelMs), f1(t.preModelSqlMs), f0(t.preModelStatements),
    f1(t.preModelMs - t.preModelSqlMs), f1(t.modelToFirstTokenMs), f1(model.ttftP50),
  ]);
  if (rows.length === 0) return "(no turn had the service to itself: this needs a concurrency-1 run)";
  return table(["conc", "process", "turns", "client TTFT p50", "request -> model request", "of which SQL waits", "SQL statements", "of which JS and I/O", "model request -> 1st token written", "raw model TTFT p50"], rows);
}

export function multiTurnTable(byTurn: Sample[][], arrivals: Arrivals): string {
  const rows = byTurn.map((samples, k) => {
    const f = figures(samples, undefined, arrivals);
    return [`turn ${k + 1}`, "service", String(f.turns), f1(f.ttftP50), f1(f.ttftP95), f1(f.toModelP50), f1(f.turnP50), f1(f.turnP95), f0(f.bodyBytesPerToken)];
  });
  return table(["turn", "stream", "threads", "TTFT p50 ms", "TTFT p95 ms", "to model p50 ms", "turn p50 ms", "turn p95 ms", "SSE B/token"], rows);
}

/** This checkout's service against the baseline commit's, per level: the same load, alternating. */
export function baselineTable(levels: LevelResult[], baselineName: string): string {
  const rows: string[][] = [];
  for (const l of levels) {
    if (!l.baseline) continue;
    const sides = [["this checkout", l.service, l.serviceResources], [baselineName, l.baseline.service, l.baseline.resources]] as const;
    for (const [name, f, r] of sides) {
      rows.push([`c${l.concurrency}`, name, String(f.turns), f1(r.serviceCpuMsPerTurn), f1(f.ttftP50), signed(f.ttftP50 - l.model.ttftP50), f1(f.ttftP95), f1(f.turnP50), f1(f.turnsPerSec), f0(r.servicePeakMiB)]);
    }
    const [a, b, ra, rb] = [l.service, l.baseline.service, l.serviceResources, l.baseline.resources];
    const x = (n: number, d: number) => (Number.isFinite(n / d) ? `x${(n / d).toFixed(2)}` : "-");
    rows.push([`c${l.concurrency}`, "ratio (this / baseline)", "", x(ra.serviceCpuMsPerTurn, rb.serviceCpuMsPerTurn), x(a.ttftP50, b.ttftP50), "", x(a.ttftP95, b.ttftP95), x(a.turnP50, b.turnP50), x(a.turnsPerSec, b.turnsPerSec), ""]);
  }
  return table(["conc", "service", "turns", "service CPU ms/turn", "TTFT p50 ms", "added TTFT p50 ms", "TTFT p95 ms", "turn p50 ms", "turns/s", "peak RSS MiB"], rows);
}
