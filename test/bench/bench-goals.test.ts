/** The goals the main and Agent Server API parts report: ratios, verdicts, and why a goal has none. */
import { describe, expect, it } from "vitest";
import type { AgentFigures, AgentLevel } from "./agent-api-report.js";
import { mainGoals } from "./bench-goals.js";
import { goalsTable } from "./goals.js";
import type { Figures, LevelResult, Resources } from "./report.js";

const figures = (f: Partial<Figures>): Figures =>
  ({ turns: 100, ttftP50: 0, ttftP95: 0, turnP50: 0, turnP95: 0, turnsPerSec: 0, bodyBytesPerToken: 0, wireBytesPerToken: 0, tokensPerTurn: 32, toModelP50: 0, toModelP95: 0, ...f });
const resources = (serviceCpuMsPerTurn: number) => ({ serviceCpuMsPerTurn }) as Resources;
const level = (concurrency: number, service: Partial<Figures>, model: Partial<Figures>, cpu: number, baselineCpu?: number): LevelResult =>
  ({
    concurrency, service: figures(service), model: figures(model), serviceResources: resources(cpu), modelResources: resources(0),
    ...(baselineCpu === undefined ? {} : { baseline: { service: figures({}), resources: resources(baselineCpu) } }),
  }) as LevelResult;
const side = (f: Partial<AgentFigures>) => ({ ok: true as const, figures: { turns: 100, ttftP50: 0, turnsPerSec: 0, ...f } as AgentFigures });

describe("mainGoals", () => {
  it("measures each goal against its same-run reference", () => {
    const levels = [level(1, { ttftP50: 7 }, { ttftP50: 3 }, 30, 40), level(50, { turnsPerSec: 60 }, {}, 10, 20)];
    const agent: AgentLevel[] = [
      { concurrency: 1, cli: side({ ttftP50: 80 }), threadloom: side({ ttftP50: 20 }) },
      { concurrency: 50, cli: side({ turnsPerSec: 10 }), threadloom: side({ turnsPerSec: 35, serverCpuMsPerTurn: 25 }) },
    ];
    const goals = mainGoals({ levels, agent, baselineLabel: "e3dffe7" });
    expect(goals.map((g) => g.met)).toEqual([true, false, false, true, true]);
    expect(goals[0].measured).toBe("+4.0 ms (service 7.0 ms, raw model 3.0 ms)");
    expect(goals[1].measured).toBe("1.71× (60.0 turns/s vs 35.0 turns/s; service CPU per turn 10.0 ms vs 25.0 ms)");
    expect(goals[2].measured).toBe("3.50× (35.0 turns/s vs 10.0 turns/s)");
    expect(goals[3].measured).toBe("0.25× (20.0 ms vs 80.0 ms)");
    // The highest level with a baseline: c50, 10 vs 20 ms.
    expect(goals[4]).toMatchObject({ goal: "service CPU per turn vs e3dffe7 (c50)", measured: "0.50× (10.0 ms vs 20.0 ms)" });
  });

  it("lists a goal whose part did not run as not measured, with the reason", () => {
    const goals = mainGoals({ levels: [level(1, { ttftP50: 9 }, { ttftP50: 3 }, 30)], baselineLabel: "e3dffe7", baselineSkipped: "BENCH_BASELINE=0", agentSkipped: "Agent Server API part skipped" });
    expect(goals.map((g) => g.met)).toEqual([false, null, null, null, null]);
    expect(goals[1].measured).toBe("no c50 in the main part");
    expect(goals[2].measured).toBe("Agent Server API part skipped");
    expect(goals[4].measured).toBe("BENCH_BASELINE=0");
    expect(goalsTable(goals)).toContain("| **not measured** |");
  });

  it("says when the Agent Server API failed on one server", () => {
    const agent: AgentLevel[] = [{ concurrency: 50, cli: { ok: false, error: "turn timed out" }, threadloom: side({ turnsPerSec: 30 }) }];
    const goals = mainGoals({ agent, baselineLabel: "e3dffe7" });
    expect(goals[0].measured).toBe("main part skipped");
    expect(goals[1].measured).toBe("main part skipped");
    expect(goals[4].measured).toBe("main part skipped");
    expect(goals[2]).toMatchObject({ met: null, measured: "failed: turn timed out" });
    expect(goals[3]).toMatchObject({ met: null, measured: "level not in BENCH_AGENT_API_LEVELS" });
  });
});
