import { describe, expect, it } from "vitest";
import { nextNodes } from "./history-repository.js";

describe("nextNodes", () => {
  const triggers = { __start__: ["__start__"], agent: ["branch:to:agent"], tools: ["branch:to:tools"] };

  // The same rule LangGraph applies to pull tasks, on the versions stored in the checkpoint row.
  it("lists the nodes whose trigger channel changed since they last ran", () => {
    expect(nextNodes({ channelVersions: { __start__: 1 }, versionsSeen: {}, available: ["__start__"] }, triggers)).toEqual(["__start__"]);
    const afterInput = { channelVersions: { __start__: 1, "branch:to:agent": 2 }, versionsSeen: { __start__: { __start__: 1 } } };
    expect(nextNodes({ ...afterInput, available: ["branch:to:agent"] }, triggers)).toEqual(["agent"]);
    // A consumed trigger (an empty channel) triggers nothing, whatever its version.
    expect(nextNodes({ ...afterInput, available: [] }, triggers)).toEqual([]);
    expect(
      nextNodes({ channelVersions: { __start__: 1, "branch:to:agent": 2.5 }, versionsSeen: { __start__: { __start__: 1 }, agent: { "branch:to:agent": 2.5 } }, available: ["branch:to:agent"] }, triggers),
    ).toEqual([]);
  });
});
