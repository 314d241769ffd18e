/**
 * The long-thread part's tables and its goals (issue 15): the late turns against the early ones,
 * storage per turn late against early, and each read on the long thread beside the same read on a
 * one-turn thread. Every goal names its reference from the same run.
 */
import type { StorageSample } from "./checkpoint-storage.js";
import type { Goal } from "./goals.js";
import { ratio } from "./goals.js";
import type { LongThreadFigures } from "./long-thread-bench.js";

const MB = 1_000_000;

/** The read of getHistory's page to its last byte, unparsed, which getHistory's goal names beside it. */
export const HISTORY_UNPARSED = "Agent Server: POST /threads/:id/history {limit: 10}, read to the last byte, not parsed";

export function longThreadReport(f: LongThreadFigures, modelDescription: string, database: string): { text: string; goals: Goal[] } {
  const n = f.turns;
  const w = Math.min(10, Math.floor(n / 2));
  const early = (xs: (number | null)[]) => xs.slice(0, w);
  const late = (xs: (number | null)[]) => xs.slice(n - w);
  const med = (xs: (number | null)[]) => (xs.some((x) => x === null) ? NaN : median(xs as number[]));
  const mean = (xs: (number | null)[]) => (xs.some((x) => x === null) ? NaN : (xs as number[]).reduce((a, b) => a + b, 0) / xs.length);
  const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "—");
  const earlyName = `turns 1–${w}`;
  const lateName = `turns ${n - w + 1}–${n}`;
  const turnRow = (name: string, pick: (xs: (number | null)[]) => (number | null)[]) => [
    name, ms(med(pick(f.turnMs))), ms(mean(pick(f.serviceCpuMs))), ms(mean(pick(f.postgresCpuMs))),
  ];

  const s0 = f.storage.get(0)!;
  const last = f.storage.get(n)!;
  const perTurn = (key: "diskBytes" | "rowBytes", from: number, to: number) => {
    const a = f.storage.get(from);
    const b = f.storage.get(to);
    return a && b ? (b[key] - a[key]) / (to - from) : NaN;
  };
  const rowsEarly = perTurn("rowBytes", 0, w);
  const rowsLate = perTurn("rowBytes", n - w, n);
  const storageRow = (k: number, s: StorageSample) => [
    String(k), kb(s.diskBytes - s0.diskBytes), kb(s.rowBytes), kb(s.rawBytes), String(s.rows),
    Object.entries(s.tables).map(([t, [, bytes, rows]]) => `${t} ${kb(bytes)} (${rows})`).join(", "),
  ];

  const read = (prefix: string) => f.reads.find((r) => r.name.includes(prefix));
  const getState = read("GET /threads/:id/state");
  const getHistory = read("getHistory");
  const unparsed = read(HISTORY_UNPARSED);
  const readGoal = (r: typeof getState, goal: string, bound: number, also = ""): Goal => ({
    goal, target: `≤ ${bound} ms`, met: r ? r.longMs <= bound : null,
    measured: r ? `${r.longMs.toFixed(1)} ms (${ratio(r.longMs, r.shortMs)} a one-turn thread's ${r.shortMs.toFixed(1)} ms)${also}` : "not measured",
  });
  // How much of the SDK's time is the service's answer, and how much the client's own parsing of it.
  const historyAlso = unparsed ? `; the same page read to its last byte without parsing: ${unparsed.longMs.toFixed(1)} ms` : "";
  const turnRatio = med(late(f.turnMs)) / med(early(f.turnMs));
  const diskBytes = last.diskBytes - s0.diskBytes;
  // The baseline commit's own thread, grown turn for turn with this one on its own database.
  const theirs = f.baseline && "storage" in f.baseline ? f.baseline.storage : undefined;
  const theirDisk = theirs ? theirs[1].diskBytes - theirs[0].diskBytes : NaN;
  const storageAlso = theirs ? `; ${ratio(diskBytes, theirDisk)} the baseline's ${(theirDisk / MB).toFixed(2)} MB (rows ${(theirs[1].rowBytes / MB).toFixed(2)} MB)` : "";
  const goals: Goal[] = [
    {
      goal: `Long thread: turn ${n} vs turn 1 (medians of ${lateName} and ${earlyName}, tool-calling turns)`, target: "≤ 1.2×", met: turnRatio <= 1.2,
      measured: `${ratio(med(late(f.turnMs)), med(early(f.turnMs)))} (${ms(med(late(f.turnMs)))} vs ${ms(med(early(f.turnMs)))} ms; service CPU ${ratio(mean(late(f.serviceCpuMs)), mean(early(f.serviceCpuMs)))})`,
    },
    readGoal(getState, `Long thread: Agent Server getState on the ${n}-turn tool thread`, 10),
    readGoal(getHistory, `Long thread: SDK getHistory({ limit: 10 }) on the ${n}-turn tool thread`, 30, historyAlso),
    {
      goal: `Long thread: checkpoint storage of the ${n}-turn tool thread (tables' growth on disk)`, target: "≤ 1 MB", met: diskBytes <= MB,
      measured: `${(diskBytes / MB).toFixed(2)} MB (the thread's rows ${(last.rowBytes / MB).toFixed(2)} MB as stored, ${(last.rawBytes / MB).toFixed(2)} MB before compression)${storageAlso}`,
    },
    {
      goal: `Long thread: storage linear — bytes per turn of ${lateName} vs ${earlyName} (the thread's rows as stored)`, target: "≤ 1.5×", met: rowsLate / rowsEarly <= 1.5,
      measured: `${ratio(rowsLate, rowsEarly)} (${kb(rowsLate)} vs ${kb(rowsEarly)} per turn; on disk ${kb(perTurn("diskBytes", n - w, n))} vs ${kb(perTurn("diskBytes", 0, w))})`,
    },
  ];

  const text = [
    "",
    `### Long thread: ${n} tool-calling turns on one thread (test/bench/long-thread-bench.ts)`,
    "",
    `One service process (src/main.ts), ${database}; each turn is POST /api/chat on the same thread: the model calls`,
    `the calculator, then streams a ${modelDescription}. Turn: request sent -> \`end\` event read. CPU from /proc (10 ms ticks).`,
    "",
    table(["turns", "turn ms (median)", "service CPU ms/turn", "PostgreSQL CPU ms/turn"], [turnRow(earlyName, early), turnRow(lateName, late)]),
    "",
    `Checkpoint tables (langgraph schema: ${f.tables.join(", ")}); on disk: growth of the tables since before turn 1;`,
    "rows: the thread's rows as stored (pg_column_size) and before compression:",
    "",
    table(["after turn", "on disk", "rows as stored", "before compression", "rows", "per table: stored (rows)"], [...f.storage].filter(([k]) => k > 0).map(([k, s]) => storageRow(k, s))),
    "",
    `Reads, medians of ${f.readRepeats} each (long and one-turn thread in alternation):`,
    "",
    table(["read", `${n}-turn thread ms`, "one-turn thread ms", "ratio"], f.reads.map((r) => [r.name, ms(r.longMs), ms(r.shortMs), ratio(r.longMs, r.shortMs)])),
    "",
    ...baselineLines(f, n, ms),
  ].join("\n");
  return { text, goals };
}

/** The reads against the baseline commit's service, taken in alternation with this checkout's (BENCH_BASELINE). */
function baselineLines(f: LongThreadFigures, n: number, ms: (x: number) => string): string[] {
  const b = f.baseline;
  if (!b) return [];
  if ("failed" in b) return [`Against ${b.label}: not measured, the baseline failed (${b.failed}).`, ""];
  const rows = f.reads.map((r, i) => {
    const o = b.reads[i]!;
    return [r.name, ms(r.longMs), ms(o.longMs), ratio(r.longMs, o.longMs), ms(r.longCpuMs), ms(o.longCpuMs), ratio(r.longCpuMs, o.longCpuMs), ms(r.shortMs), ms(o.shortMs), ratio(r.shortMs, o.shortMs)];
  });
  return [
    `This checkout against ${b.label} (its own ${n}-turn and one-turn threads on a fresh database of the same server), medians of ${f.readRepeats} each, the two services in alternation:`,
    "",
    table(["read", `${n}-turn: this ms`, "baseline ms", "this / baseline", "service CPU ms/read: this", "baseline", "this / baseline", "one-turn: this ms", "baseline ms", "this / baseline"], rows),
    "",
    "Service CPU per read of the long thread: from /proc (10 ms ticks) around each read, summed, divided by the repetitions.",
    "",
  ];
}

function kb(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1000).toFixed(1)} kB` : "—";
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
