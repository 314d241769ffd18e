import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { toMessageRows } from "./message-row.js";

describe("toMessageRows", () => {
  // Everything the mirror keeps comes from the checkpoint's messages: usage, model, timing, status.
  it("projects roles, tool calls, usage, timing and the branch order", () => {
    const rows = toMessageRows([
      new HumanMessage({ id: "u1", content: "hi", additional_kwargs: { metadata: { source: "web" } } }),
      new AIMessage({
        id: "a1",
        content: "",
        tool_calls: [{ id: "c1", name: "calculator", args: { expression: "1+1" }, type: "tool_call" }],
        usage_metadata: { input_tokens: 5, output_tokens: 2, total_tokens: 7 },
        response_metadata: { model_name: "m", timing: { latency_ms: 30, ttft_ms: 12 } },
      }),
      new ToolMessage({ id: "t1", content: "2", tool_call_id: "c1", name: "calculator" }),
      new AIMessage({ id: "a2", content: [{ type: "text", text: "two" }], response_metadata: { threadloom_status: "partial" } }),
    ]);
    expect(rows.map((r) => [r.messageId, r.role, r.content, r.parentId, r.position, r.status])).toEqual([
      ["u1", "user", "hi", null, 0, "complete"],
      ["a1", "assistant", "", "u1", 1, "complete"],
      ["t1", "tool", "2", "a1", 2, "complete"],
      ["a2", "assistant", "two", "t1", 3, "partial"],
    ]);
    expect(rows[0].metadata).toEqual({ source: "web" });
    expect(rows[1]).toMatchObject({
      parts: { tool_calls: [{ id: "c1", name: "calculator", args: { expression: "1+1" } }] },
      inputTokens: 5, outputTokens: 2, totalTokens: 7, latencyMs: 30, ttftMs: 12, model: "m",
    });
    expect(rows[2]).toMatchObject({ toolCallId: "c1", name: "calculator", inputTokens: null });
    expect(rows[3].parts).toEqual({ content: [{ type: "text", text: "two" }] });
  });

  // PostgreSQL cannot store NUL; a model that emits one must not break the mirror.
  it("drops NUL characters from text and tool arguments, and only those", () => {
    const [row] = toMessageRows([
      new AIMessage({ id: "a", content: "x\u0000y", tool_calls: [{ id: "c", name: "t", args: { s: "p\u0000q", literal: "\\u0000" }, type: "tool_call" }] }),
    ]);
    expect(row.content).toBe("xy");
    expect(row.parts).toEqual({ tool_calls: [{ id: "c", name: "t", args: { s: "pq", literal: "\\u0000" } }] });
  });
});
