import { describe, expect, it } from "vitest";
import { threadListQuery } from "./thread-list-query.js";

describe("threadListQuery", () => {
  it("parses filters and search, with the list's defaults", () => {
    expect(threadListQuery.parse({})).toEqual({ limit: 20 });
    expect(threadListQuery.parse({ limit: "5", q: '  "red fox" -dog ', status: "idle", metadata: '{"project":"x","n":1}' })).toEqual({
      limit: 5, q: '"red fox" -dog', status: "idle", metadata: { project: "x", n: 1 },
    });
    expect(threadListQuery.parse({ assistant_id: " chat ", graph_id: "draft" })).toEqual({ limit: 20, assistant_id: "chat", graph_id: "draft" });
  });

  // Each failure names its parameter, as the 400's invalid_params will.
  it.each([
    [{ metadata: "{nope" }, "metadata", /JSON object/],
    [{ metadata: "[1]" }, "metadata", /not an array/],
    [{ metadata: "null" }, "metadata", /not an array/],
    [{ metadata: '{"a":"\\u0000"}' }, "metadata", /NUL/],
    [{ q: "   " }, "q", /empty/],
    [{ status: "sleeping" }, "status", /./],
    [{ assistant_id: " " }, "assistant_id", /empty/],
    [{ assistant_id: "a\u0000" }, "assistant_id", /NUL/],
    [{ graph_id: "g".repeat(101) }, "graph_id", /./],
    [{ order: "asc" }, "", /order/],
  ])("refuses %j", (input, field, reason) => {
    const result = threadListQuery.safeParse(input);
    expect(result.success).toBe(false);
    const issue = result.error!.issues[0];
    expect(issue.path.join(".")).toBe(field);
    expect(issue.code === "unrecognized_keys" ? issue.keys.join() : issue.message).toMatch(reason);
  });
});
