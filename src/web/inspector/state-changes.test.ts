import { describe, expect, it } from "vitest";
import { stateChanges } from "./state-changes";

describe("stateChanges", () => {
  it("names added, removed and changed paths, matching list items by id", () => {
    const before = { count: 1, items: ["a"], messages: [{ id: "m1", content: "hi" }], gone: true };
    const after = { count: 2, items: ["a", "b"], messages: [{ id: "m1", content: "hi" }, { id: "m2", content: "yo" }], extra: { x: 1 } };
    expect(stateChanges(before, after)).toEqual(
      expect.arrayContaining([
        { kind: "changed", path: "count", from: 1, to: 2 },
        { kind: "added", path: "items[1]", value: "b" },
        { kind: "added", path: "messages[1]", value: { id: "m2", content: "yo" } },
        { kind: "removed", path: "gone", value: true },
        { kind: "added", path: "extra", value: { x: 1 } },
      ]),
    );
    expect(stateChanges(before, after)).toHaveLength(5);
  });

  it("is empty for equal states, and the whole state when there was none", () => {
    expect(stateChanges({ a: [1] }, { a: [1] })).toEqual([]);
    expect(stateChanges(undefined, { a: 1 })).toEqual([{ kind: "added", path: "(state)", value: { a: 1 } }]);
  });
});
