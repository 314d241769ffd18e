import { describe, expect, it } from "vitest";
import { type CheckpointNode, planPrune } from "./prune-plan.js";

// Ids sort as they were written: a0 < a1 < … (uuid6 ids are time-ordered the same way).
const node = (checkpointId: string, parentCheckpointId: string | null, source = "loop", paused = false): CheckpointNode => ({ checkpointId, parentCheckpointId, source, paused });

describe("planPrune", () => {
  // Run 1: input a0, steps a1..a3 (a3 its last); run 2 from a3: input b0, steps b1..b3.
  const twoRuns = [node("a0", null, "input"), node("a1", "a0"), node("a2", "a1"), node("a3", "a2"), node("b0", "a3", "input"), node("b1", "b0"), node("b2", "b1"), node("b3", "b2")];

  it("removes the steps between each run's input and its last checkpoint, and relinks what stays", () => {
    expect(planPrune(twoRuns, new Set())).toEqual({
      remove: ["a1", "a2", "b1", "b2"],
      relink: [{ checkpointId: "a3", parentCheckpointId: "a0" }, { checkpointId: "b3", parentCheckpointId: "b0" }],
    });
  });

  it("keeps branch points, updates and copies, pauses and what the caller names", () => {
    const tree = [...twoRuns, node("c0", "a1", "input"), node("c1", "c0"), node("u0", "b1", "update"), node("u1", "u0")];
    // a1: two children (a2, c0); b1: a child that is not a step (u0); u0: an update.
    expect(planPrune(tree, new Set()).remove).toEqual(["a2", "b2"]);
    expect(planPrune([...twoRuns.slice(0, 2), node("a2", "a1", "loop", true), ...twoRuns.slice(3)], new Set(["b1"])).remove).toEqual(["a1", "b2"]);
  });

  it("keep_latest keeps the newest checkpoint and pauses only", () => {
    const plan = planPrune([...twoRuns.slice(0, 5), node("b1", "b0", "loop", true), node("b2", "b1"), node("b3", "b2")], new Set(), true);
    expect(plan.remove).toEqual(["a0", "a1", "a2", "a3", "b0", "b2"]);
    expect(plan.relink).toEqual([{ checkpointId: "b1", parentCheckpointId: null }, { checkpointId: "b3", parentCheckpointId: "b1" }]);
  });

  it("has nothing to do for a thread of one run's input and reply", () => {
    expect(planPrune([node("a0", null, "input"), node("a1", "a0"), node("a2", "a1")], new Set())).toEqual({ remove: ["a1"], relink: [{ checkpointId: "a2", parentCheckpointId: "a0" }] });
    expect(planPrune([node("a0", null, "input"), node("a1", "a0")], new Set())).toEqual({ remove: [], relink: [] });
  });
});
