/** Figures of the Agent Server API comparison, and its table: threadloom against `langgraphjs dev`. */
import type { AgentLoadResult } from "./agent-api-load.js";
import { percentile, table } from "./report.js";

export interface AgentFigures {
  turns: number;
  /** Turns whose last `values` event held two messages per turn so far. */
  stateOk: number;
  ttftP50: number;
  ttftP95: number;
  finalValuesP50: number;
  turnP50: number;
  turnP95: number;
  turnsPerSec: number;
  serverCpuMsPerTurn: number;
  postgresCpuMsPerTurn: number | null;
  rssMiB: number;
  peakMiB: number;
  /** Cores busy on the machine beyond this server, its PostgreSQL, the mock model and the client. */
  otherCores: number;
}

/** One server at one concurrency: its figures, or why it has none. */
export type AgentSide = { ok: true; figures: AgentFigures } | { ok: false; error: string };

export interface AgentLevel {
  concurrency: number;
  cli: AgentSide;
  threadloom: AgentSide;
  /** The service at another commit (BENCH_BASELINE), when asked for. */
  baseline?: AgentSide;
}

/** What the processes spent during one load (CPU in ms), and the server's memory after it. */
export interface AgentCosts {
  serverCpuMs: number;
  postgresCpuMs: number | null;
  otherCpuMs: number;
  memory: { rss: number; peak: number };
}

export function agentFigures(load: AgentLoadResult, costs: AgentCosts): AgentFigures {
  const n = load.turns.length;
  const ttft = load.turns.map((t) => t.ttftMs);
  const turn = load.turns.map((t) => t.turnMs);
  return {
    turns: n,
    stateOk: load.turns.filter((t) => t.messages === t.expected).length,
    ttftP50: percentile(ttft, 50),
    ttftP95: percentile(ttft, 95),
    finalValuesP50: percentile(load.turns.map((t) => t.finalValuesMs), 50),
    turnP50: percentile(turn, 50),
    turnP95: percentile(turn, 95),
    turnsPerSec: n / (load.wallMs / 1000),
    serverCpuMsPerTurn: costs.serverCpuMs / n,
    postgresCpuMsPerTurn: costs.postgresCpuMs === null ? null : costs.postgresCpuMs / n,
    rssMiB: costs.memory.rss,
    peakMiB: costs.memory.peak,
    otherCores: costs.otherCpuMs / load.wallMs,
  };
}

const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : "-");
const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : "-");
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `x${(a / b).toFixed(2)}` : "-");

/** The table; `baselineName` names the commit of each level's `baseline` side. */
export function agentApiTable(levels: AgentLevel[], baselineName = "baseline"): string {
  const rows: string[][] = [];
  for (const l of levels) {
    const c = `c${l.concurrency}`;
    for (const [name, side] of sides(l, baselineName)) {
      if (!side.ok) {
        rows.push([c, name, "failed", ...Array<string>(12).fill("-")]);
        continue;
      }
      const f = side.figures;
      rows.push([
        c, name, String(f.turns), `${f.stateOk}/${f.turns}`, f1(f.ttftP50), f1(f.ttftP95), f1(f.finalValuesP50), f1(f.turnP50), f1(f.turnP95), f1(f.turnsPerSec),
        f1(f.serverCpuMsPerTurn), f.postgresCpuMsPerTurn === null ? "n/a" : f1(f.postgresCpuMsPerTurn), f0(f.rssMiB), f0(f.peakMiB), f.otherCores.toFixed(2),
      ]);
    }
    if (l.cli.ok && l.threadloom.ok) rows.push(ratioRow(c, "ratio threadloom / baseline", l.threadloom.figures, l.cli.figures));
    if (l.baseline?.ok && l.threadloom.ok) rows.push(ratioRow(c, `ratio threadloom / ${baselineName}`, l.threadloom.figures, l.baseline.figures));
  }
  return table(
    ["conc", "server", "turns", "state ok", "TTFT p50 ms", "TTFT p95 ms", "final values p50 ms", "turn p50 ms", "turn p95 ms", "turns/s", "server CPU ms/turn", "postgres CPU ms/turn", "RSS MiB", "peak RSS MiB", "other cores"],
    rows,
  );
}

function sides(l: AgentLevel, baselineName: string): [string, AgentSide][] {
  const out: [string, AgentSide][] = [["langgraphjs dev (baseline)", l.cli], ["threadloom", l.threadloom]];
  if (l.baseline) out.push([`threadloom at ${baselineName}`, l.baseline]);
  return out;
}

function ratioRow(c: string, name: string, t: AgentFigures, b: AgentFigures): string[] {
  const postgres = t.postgresCpuMsPerTurn !== null && b.postgresCpuMsPerTurn !== null ? ratio(t.postgresCpuMsPerTurn, b.postgresCpuMsPerTurn) : "";
  return [
    c, name, "", "", ratio(t.ttftP50, b.ttftP50), ratio(t.ttftP95, b.ttftP95), ratio(t.finalValuesP50, b.finalValuesP50), ratio(t.turnP50, b.turnP50), ratio(t.turnP95, b.turnP95),
    ratio(t.turnsPerSec, b.turnsPerSec), ratio(t.serverCpuMsPerTurn, b.serverCpuMsPerTurn), postgres, ratio(t.rssMiB, b.rssMiB), ratio(t.peakMiB, b.peakMiB), "",
  ];
}

/** A warning when other work on the machine competed with a measured load. */
export function agentSharedMachine(levels: AgentLevel[]): string[] {
  const other = Math.max(0, ...levels.flatMap((l) => sides(l, "")).map(([, side]) => (side.ok ? side.figures.otherCores : 0)));
  if (other < 0.2) return [];
  return [`other processes used up to ${other.toFixed(2)} of the machine's cores during a measured load ("other cores"): the figures are pessimistic, and unevenly so`];
}

/** Why a side has no figures, once per distinct error. */
export function agentFailures(levels: AgentLevel[], baselineName = "baseline"): string[] {
  const lines = new Set<string>();
  for (const l of levels) {
    for (const [name, side] of sides(l, baselineName)) {
      if (!side.ok) lines.add(`${name} failed: ${side.error}`);
    }
  }
  return [...lines];
}
