import { describe, expect, it } from "vitest";
import { decisionsResume, readDecisions, readHitlPause } from "./hitl.js";

const snake = {
  action_requests: [{ name: "pay", args: { amount: 1 } }, { name: "look", args: {} }],
  review_configs: [{ action_name: "pay", allowed_decisions: ["approve", "reject"] }, { action_name: "look", allowed_decisions: ["approve", "edit", "reject"] }],
};
const camel = {
  actionRequests: [{ name: "pay", args: { amount: 1 }, description: "d" }],
  reviewConfigs: [{ actionName: "pay", allowedDecisions: ["approve", "edit"] }],
};

describe("readHitlPause", () => {
  it("reads both casings, and nothing else", () => {
    expect(readHitlPause(snake)).toEqual({ casing: "snake", actions: [{ name: "pay", allowed: ["approve", "reject"] }, { name: "look", allowed: ["approve", "edit", "reject"] }] });
    expect(readHitlPause(camel)).toEqual({ casing: "camel", actions: [{ name: "pay", allowed: ["approve", "edit"] }] });
    for (const other of [null, "approve?", [], { type: "tool_approval", name: "pay", args: {} }, { action_requests: [], review_configs: [] }, { action_requests: [{ name: "pay" }], review_configs: [{}] }]) {
      expect(readHitlPause(other)).toBeNull();
    }
  });
});

describe("readDecisions", () => {
  const pause = readHitlPause(snake)!;

  it("takes one allowed decision per call, in either casing, or the alias for all of them", () => {
    expect(readDecisions({ decisions: [{ type: "approve" }, { type: "edit", editedAction: { args: { q: 1 } } }] }, pause)).toEqual({
      ok: true, decisions: [{ type: "approve" }, { type: "edit", edited_action: { name: "look", args: { q: 1 } } }],
    });
    expect(readDecisions({ decision: "reject", message: "no" }, pause)).toEqual({ ok: true, decisions: [{ type: "reject", message: "no" }, { type: "reject", message: "no" }] });
  });

  it.each([
    ["not an object", "approve", [{ path: "", reason: 'must be an object, such as {"decisions": [{"type": "approve"}, {"type": "approve"}]}' }]],
    ["too few decisions", { decisions: [{ type: "approve" }] }, [{ path: "decisions", reason: "must hold 2 decisions, one per action request in order (it holds 1)" }]],
    ["an unknown type", { decisions: [{ type: "maybe" }, { type: "approve" }] }, [{ path: "decisions.0", reason: expect.stringMatching(/^must be \{"type": "approve"\}/) }]],
    ["a decision the call does not allow", { decisions: [{ type: "edit", edited_action: { name: "pay", args: {} } }, { type: "approve" }] }, [{ path: "decisions.0.type", reason: "edit is not allowed for pay: one of approve, reject" }]],
    ["an edit of another tool", { decisions: [{ type: "approve" }, { type: "edit", edited_action: { name: "pay", args: {} } }] }, [{ path: "decisions.1.edited_action.name", reason: "must be look: an edit changes the arguments, not the tool" }]],
    ["an edit without its action", { decisions: [{ type: "approve" }, { type: "edit" }] }, [{ path: "decisions.1", reason: "an edit needs exactly one of edited_action or editedAction" }]],
    ["an unknown field", { decisions: [{ type: "approve" }, { type: "approve" }], why: 1 }, [{ path: "why", reason: "unknown field" }]],
    ["an alias edit for two calls", { decision: "edit", args: {} }, [{ path: "decision", reason: "edit applies to one call, and this pause lists 2: send decisions, one per call" }]],
  ])("refuses %s, naming where", (_label, resume, issues) => {
    expect(readDecisions(resume, pause)).toEqual({ ok: false, issues });
  });

  it("writes the decisions back in the pause's casing", () => {
    const decisions = [{ type: "edit" as const, edited_action: { name: "pay", args: {} } }];
    expect(decisionsResume(decisions, "camel")).toEqual({ decisions: [{ type: "edit", editedAction: { name: "pay", args: {} } }] });
    expect(decisionsResume(decisions, "snake")).toEqual({ decisions });
  });
});
