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
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function figures(samples: Sample[], wallMs?: number): Figures {
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  const tokens = sum((s) => s.tokens);
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
  };
}

export const loadFigures = (r: LoadResult) => figures(r.samples, r.wallMs);

/** CPU milliseconds per turn of each process during one measured phase, and the service's memory. */
export interface Resources {
  serviceCpuMsPerTurn: number;
  postgresCpuMsPerTurn: number | null;
  modelCpuMsPerTurn: number;
  clientCpuMsPerTurn: number;
  /** Share of the machine's cores the service used during the phase. */
  serviceCores: number;
  serviceRssMiB: number;
  servicePeakMiB: number;
}

export interface LevelResult {
  concurrency: number;
  model: Figures;
  service: Figures;
  modelResources: Resources;
  serviceResources: Resources;
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ")} |`;
  return [line(header), `|${widths.map((w, i) => (i < 2 ? ":" : "-") + "-".repeat(w) + (i < 2 ? "-" : ":")).join("|")}|`, ...rows.map(line)].join("\n");
}

export function latencyTable(levels: LevelResult[]): string {
  const rows: string[][] = [];
  for (const l of levels) {
    for (const [name, f] of [["model (raw)", l.model], ["service", l.service]] as const) {
      rows.push([`c${l.concurrency}`, name, String(f.turns), f1(f.ttftP50), f1(f.ttftP95), f1(f.turnP50), f1(f.turnP95), f1(f.turnsPerSec), f0(f.bodyBytesPerToken), f0(f.wireBytesPerToken)]);
    }
    const { model: m, service: s } = l;
    rows.push([`c${l.concurrency}`, "added (service - model)", "", `+${f1(s.ttftP50 - m.ttftP50)}`, `+${f1(s.ttftP95 - m.ttftP95)}`, `+${f1(s.turnP50 - m.turnP50)}`, `+${f1(s.turnP95 - m.turnP95)}`, "", "", ""]);
    rows.push([`c${l.concurrency}`, "ratio (service / model)", "", `x${f1(s.ttftP50 / m.ttftP50)}`, `x${f1(s.ttftP95 / m.ttftP95)}`, `x${f1(s.turnP50 / m.turnP50)}`, `x${f1(s.turnP95 / m.turnP95)}`, `x${(s.turnsPerSec / m.turnsPerSec).toFixed(2)}`, `x${f1(s.bodyBytesPerToken / m.bodyBytesPerToken)}`, `x${f1(s.wireBytesPerToken / m.wireBytesPerToken)}`]);
  }
  return table(["conc", "stream", "turns", "TTFT p50 ms", "TTFT p95 ms", "turn p50 ms", "turn p95 ms", "turns/s", "SSE B/token", "wire B/token"], rows);
}

export function resourceTable(levels: LevelResult[]): string {
  const rows = levels.flatMap((l) =>
    ([["model (raw)", l.modelResources], ["service", l.serviceResources]] as const).map(([name, r]) => [
      `c${l.concurrency}`, name, f1(r.serviceCpuMsPerTurn), r.postgresCpuMsPerTurn === null ? "n/a" : f1(r.postgresCpuMsPerTurn),
      f1(r.modelCpuMsPerTurn), f1(r.clientCpuMsPerTurn), r.serviceCores.toFixed(2), f0(r.serviceRssMiB), f0(r.servicePeakMiB),
    ]),
  );
  return table(["conc", "phase", "service CPU ms/turn", "postgres CPU ms/turn", "mock model CPU ms/turn", "client CPU ms/turn", "service cores", "service RSS MiB", "peak RSS MiB"], rows);
}

export function multiTurnTable(byTurn: Sample[][]): string {
  const rows = byTurn.map((samples, k) => {
    const f = figures(samples);
    return [`turn ${k + 1}`, "service", String(f.turns), f1(f.ttftP50), f1(f.ttftP95), f1(f.turnP50), f1(f.turnP95), f0(f.bodyBytesPerToken)];
  });
  return table(["turn", "stream", "threads", "TTFT p50 ms", "TTFT p95 ms", "turn p50 ms", "turn p95 ms", "SSE B/token"], rows);
}

export function targetLines(levels: LevelResult[]): string[] {
  const c1 = levels.find((l) => l.concurrency === 1);
  const c50 = levels.find((l) => l.concurrency === 50);
  const lines: string[] = [];
  if (c1) {
    const added = c1.service.ttftP50 - c1.model.ttftP50;
    lines.push(`added TTFT at c1 (median): ${f1(added)} ms — target <= 10 ms: ${added <= 10 ? "MET" : "NOT MET"}`);
  }
  if (c50) {
    lines.push(`service turns/s at c50: ${f1(c50.service.turnsPerSec)} — target >= 100: ${c50.service.turnsPerSec >= 100 ? "MET" : "NOT MET"}`);
  }
  return lines;
}
