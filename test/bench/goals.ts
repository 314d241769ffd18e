/**
 * Issue 15's goals as the bench prints them: each a ratio (or a bound) measured in this run, against
 * its target, and whether it was met. A part of the bench returns its goals; `run.ts` prints them all
 * in one table at the end, so that a reader sees MET / NOT MET without hunting through the parts.
 */
export interface Goal {
  /** What is compared, e.g. "Agent Server API c50 turns/s vs `langgraphjs dev`". */
  goal: string;
  /** The target as written in the issue, e.g. "≥ 4×". */
  target: string;
  /** The measured figure with its reference, e.g. "2.1× (55.3 vs 26.2 turns/s)". */
  measured: string;
  /** null when this run could not measure it (say why in `measured`). */
  met: boolean | null;
}

export function goalsTable(goals: readonly Goal[]): string {
  const verdict = (met: boolean | null) => (met === null ? "not measured" : met ? "MET" : "NOT MET");
  return [
    "| goal | target | measured in this run | |",
    "|---|---|---|---|",
    ...goals.map((g) => `| ${g.goal} | ${g.target} | ${g.measured} | **${verdict(g.met)}** |`),
  ].join("\n");
}

/** `a / b` as "2.10×", or "—" when the reference is missing or zero. */
export function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : "—";
}
