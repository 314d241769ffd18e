/** The streams part's report: per-worker figures with several processes, and the long collections it counts. */
import { describe, expect, it } from "vitest";
import type { ChatStreamResult } from "./chat-stream-client.js";
import { streamsReport, type LoopProbe, type Phase, type StreamsFigures } from "./streams-report.js";

const probe = (p: Partial<LoopProbe> = {}): LoopProbe => ({
  elu: 0.4, loopDelayP50Ms: 5, loopDelayP99Ms: 12, loopDelayMaxMs: 60, queries: 500, poolWaitP95Ms: 0.1, poolCheckedOutMax: 2,
  liveAfterFullGcMiB: 220, gcPauseMs: 5_000, gcPauseMaxMs: 41, gcLongPauses: 0, gcLongScavenges: 0, ...p,
});
const phase = (name: string, p: Partial<LoopProbe> = {}): Phase => ({ name, ms: 100_000, cpuMs: 40_000, runQueueMs: 9_000, probe: probe(p) });
const complete = (tokens: number): ChatStreamResult => ({ status: 200, tokens, toolStarts: 0, toolEnds: 0, endStatus: "success", turnMs: 1_000, ttftMs: 50 });

const figures = (f: Partial<StreamsFigures>): StreamsFigures => ({
  clients: 1_000, replicas: 1, tokens: 150, rampMs: 2_000, poolMax: 50, settings: {}, timeoutMs: 300_000,
  idle: phase("idle"), idleRssMiB: 150, rssSamples: [], peakRssMiB: 700, steadyRssMiB: 650, steadyWindow: true, streamingAtOnce: 1_000, maxFds: 2_050,
  phases: [phase("ramp"), phase("all streaming", { loopDelayP99Ms: 19.5, gcLongPauses: 180, gcLongScavenges: 172 }), phase("drain")],
  results: Array.from({ length: 1_000 }, () => complete(150)), wallMs: 170_000, ...f,
});

describe("streamsReport", () => {
  it("gives one process's figures, RSS per stream over all of them, and counts the long collections", () => {
    const { text, goals } = streamsReport(figures({}));
    expect(goals.map((g) => [g.goal, g.met])).toEqual([
      ["Streams: service RSS with 1000 concurrent SSE streams (one worker)", false],
      ["Streams: event-loop delay p99 while all 1000 streamed (1 token/s each)", true],
      ["Streams: 1000 streams completed with every token", true],
    ]);
    // (650 - 150) MiB over 1,000 streams.
    expect(text).toContain("(512 KiB per open stream)");
    expect(text).toContain("One service process with");
    expect(text).toMatch(/\| all streaming \|.*\| 180 \(172\) \|$/m);
  });

  it("with several processes, the goals are per worker and RSS per stream counts each process's share", () => {
    const { text, goals } = streamsReport(figures({ replicas: 2, steadyRssMiB: 450, peakRssMiB: 460 }));
    expect(goals[0]).toMatchObject({ goal: "Streams: service RSS with 1000 concurrent SSE streams (per worker, 2 workers)", met: false });
    expect(goals[1].goal).toBe("Streams: event-loop delay p99 while all 1000 streamed (1 token/s each; per worker, 2 workers)");
    // (450 - 150) MiB over the 500 streams the largest process holds.
    expect(text).toContain("(614 KiB per open stream of its share)");
    expect(text).toContain("2 service processes, the clients spread over them in turn");
  });
});
