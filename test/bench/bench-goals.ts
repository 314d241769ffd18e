/**
 * The goals of issue 15 measured in this run, collected from every part of the bench: a part calls
 * `addGoals` (or returns `{ text, goals }` to run.ts's `report`), run.ts prints `goalsTable` of them
 * all as the run's last table and writes them into BENCH_JSON. A goal whose part did not run is
 * still listed, `met: null`, with the reason, so a reader sees what this run leaves open.
 */
import { ratio, type Goal } from "./goals.js";
import type { AgentLevel } from "./agent-api-report.js";
import type { LevelResult } from "./report.js";

const goals: Goal[] = [];

export function addGoals(...more: Goal[]): void {
  goals.push(...more);
}

export function collectedGoals(): readonly Goal[] {
  return goals;
}

/** A goal this run could not measure, and why. */
export const notMeasured = (goal: string, target: string, why: string): Goal => ({ goal, target, measured: why, met: null });

const ms = (n: number) => `${n.toFixed(1)} ms`;
const perSec = (n: number) => `${n.toFixed(1)} turns/s`;

/** What the main part needs to say about its goals; undefined where the part did not run. */
export interface MainGoalInputs {
  /** The main load's levels (undefined: the part was skipped). */
  levels?: LevelResult[];
  /** Why there is no baseline in `levels` (BENCH_BASELINE=0, say). */
  baselineSkipped?: string;
  baselineLabel: string;
  /** The Agent Server API part's levels (undefined: skipped, with `agentSkipped` saying why). */
  agent?: AgentLevel[];
  agentSkipped?: string;
}

/** The goals of the `/api/chat` part, the baseline commit and the Agent Server API part. */
export function mainGoals(inputs: MainGoalInputs): Goal[] {
  const { levels, agent } = inputs;
  const level = (c: number) => levels?.find((l) => l.concurrency === c);
  const agentAt = (c: number) => agent?.find((l) => l.concurrency === c);
  const out: Goal[] = [];

  const c1 = level(1);
  const addedGoal = ["`/api/chat` added TTFT p50 at c1 over the raw model", "≤ 5 ms"] as const;
  if (!c1) out.push(notMeasured(...addedGoal, levels ? "c1 not in BENCH_LEVELS" : "main part skipped"));
  else {
    const added = c1.service.ttftP50 - c1.model.ttftP50;
    out.push({ goal: addedGoal[0], target: addedGoal[1], measured: `+${ms(added)} (service ${ms(c1.service.ttftP50)}, raw model ${ms(c1.model.ttftP50)})`, met: added <= 5 });
  }

  const chat50 = level(50);
  const api50 = agentAt(50)?.threadloom;
  const chatVsApi = ["`/api/chat` c50 turns/s vs the Agent Server API's (same service)", "≥ 2×"] as const;
  if (!chat50 || !api50?.ok) out.push(notMeasured(...chatVsApi, !chat50 ? (levels ? "no c50 in the main part" : "main part skipped") : why(agentAt(50)?.threadloom, inputs.agentSkipped)));
  else {
    const [a, b] = [chat50.service.turnsPerSec, api50.figures.turnsPerSec];
    // The two loads' clients differ (a minimal SSE reader; the SDK) and share the cores: the service's own CPU per turn says what each API costs it.
    const cpu = `service CPU per turn ${ms(chat50.serviceResources.serviceCpuMsPerTurn)} vs ${ms(api50.figures.serverCpuMsPerTurn)}`;
    out.push({ goal: chatVsApi[0], target: chatVsApi[1], measured: `${ratio(a, b)} (${perSec(a)} vs ${perSec(b)}; ${cpu})`, met: a >= 2 * b });
  }

  const cli50 = agentAt(50)?.cli;
  const apiVsCli = ["Agent Server API c50 turns/s vs `langgraphjs dev`", "≥ 4×"] as const;
  if (!api50?.ok || !cli50?.ok) out.push(notMeasured(...apiVsCli, why(api50?.ok ? cli50 : api50, inputs.agentSkipped)));
  else {
    const [a, b] = [api50.figures.turnsPerSec, cli50.figures.turnsPerSec];
    out.push({ goal: apiVsCli[0], target: apiVsCli[1], measured: `${ratio(a, b)} (${perSec(a)} vs ${perSec(b)})`, met: a >= 4 * b });
  }

  const [api1, cli1] = [agentAt(1)?.threadloom, agentAt(1)?.cli];
  const ttftVsCli = ["Agent Server API c1 TTFT p50 vs `langgraphjs dev`", "≤ 0.25×"] as const;
  if (!api1?.ok || !cli1?.ok) out.push(notMeasured(...ttftVsCli, why(api1?.ok ? cli1 : api1, inputs.agentSkipped)));
  else {
    const [a, b] = [api1.figures.ttftP50, cli1.figures.ttftP50];
    out.push({ goal: ttftVsCli[0], target: ttftVsCli[1], measured: `${ratio(a, b)} (${ms(a)} vs ${ms(b)})`, met: a <= 0.25 * b });
  }

  // The highest level: the most turns, so the coarsest /proc ticks matter least, and the machine is saturated.
  const top = levels?.filter((l) => l.baseline).at(-1);
  const cpuGoal = [`service CPU per turn vs ${inputs.baselineLabel}`, "≤ 0.5×"] as const;
  if (!top?.baseline) out.push(notMeasured(...cpuGoal, !levels ? "main part skipped" : (inputs.baselineSkipped ?? "no baseline measured")));
  else {
    const [a, b] = [top.serviceResources.serviceCpuMsPerTurn, top.baseline.resources.serviceCpuMsPerTurn];
    out.push({ goal: `${cpuGoal[0]} (c${top.concurrency})`, target: cpuGoal[1], measured: `${ratio(a, b)} (${ms(a)} vs ${ms(b)})`, met: a <= 0.5 * b });
  }
  return out;
}

/** Why an Agent Server API side has no figures. */
function why(side: AgentLevel["cli"] | undefined, skipped: string | undefined): string {
  if (skipped) return skipped;
  if (!side) return "level not in BENCH_AGENT_API_LEVELS";
  return side.ok ? "not measured" : `failed: ${side.error}`;
}
