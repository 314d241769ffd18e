import { AIMessage, AIMessageChunk, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { LangGraphStreamMapper } from "./from-langgraph.js";

const meta = { langgraph_node: "agent" };

describe("LangGraphStreamMapper", () => {
  // Model chunks become numbered tokens; a chunk without text (tool-call deltas, usage) is skipped.
  it("maps model chunks to tokens and remembers the reply in flight", () => {
    const m = new LangGraphStreamMapper();
    expect(m.map(["messages", [new AIMessageChunk({ id: "r1", content: "Hel" }), meta]])).toEqual([
      { type: "token", content: "Hel", index: 0, message_id: "r1", node: "agent" },
    ]);
    expect(m.map(["messages", [new AIMessageChunk({ id: "r1", content: "" }), meta]])).toEqual([]);
    expect(m.map(["messages", [new AIMessageChunk({ id: "r1", content: "lo" }), meta]])[0]).toMatchObject({ index: 1, content: "lo" });
    expect(m.partial()).toEqual({ messageId: "r1", node: "agent", text: "Hello" });
    // The messages mode repeats whole tool results; they are not tokens.
    expect(m.map(["messages", [new ToolMessage({ id: "t", content: "2", tool_call_id: "c" }), { langgraph_node: "tools" }]])).toEqual([]);
  });

  // A tool call is only a request (it may wait for approval); the tool starts when the graph says so.
  it("maps node updates to messages, reported tool starts to tool_start, results to tool_end, and adds up usage", () => {
    const m = new LangGraphStreamMapper();
    const call = new AIMessage({
      id: "a1", content: "", tool_calls: [{ id: "c1", name: "calculator", args: { expression: "1+1" }, type: "tool_call" }],
      usage_metadata: { input_tokens: 10, output_tokens: 2, total_tokens: 12 },
    });
    expect(m.map(["updates", { agent: { messages: [call] } }])).toEqual([
      { type: "message", id: "a1", role: "assistant", content: "", tool_calls: [{ id: "c1", name: "calculator", args: { expression: "1+1" } }] },
    ]);
    expect(m.map(["custom", { type: "tool_start", id: "c1", name: "calculator", input: { expression: "1+1" } }])).toEqual([
      { type: "tool_start", id: "c1", name: "calculator", input: { expression: "1+1" } },
    ]);
    const [end, message] = m.map(["updates", { tools: { messages: [new ToolMessage({ id: "t1", content: "2", tool_call_id: "c1", name: "calculator" })] } }]);
    expect(end).toEqual({ type: "tool_end", id: "c1", name: "calculator", output: "2", duration_ms: expect.any(Number) });
    expect(message).toEqual({ type: "message", id: "t1", role: "tool", content: "2", tool_call_id: "c1", name: "calculator" });
    m.map(["updates", { agent: { messages: [new AIMessage({ id: "a2", content: "2", usage_metadata: { input_tokens: 20, output_tokens: 1, total_tokens: 21 } })] } }]);
    expect(m.usage).toEqual({ input_tokens: 30, output_tokens: 3, total_tokens: 33 });
  });

  // A graph that does not report tool starts still gets a tool_start, just before the tool_end.
  it("reports a failed tool as tool_end with an error, after a late tool_start", () => {
    const m = new LangGraphStreamMapper();
    m.map(["updates", { agent: { messages: [new AIMessage({ id: "a", content: "", tool_calls: [{ id: "c", name: "x", args: { q: 1 }, type: "tool_call" }] })] } }]);
    const [start, end] = m.map(["updates", { tools: { messages: [new ToolMessage({ id: "t", content: "Error: boom", tool_call_id: "c", name: "x", status: "error" })] } }]);
    expect(start).toEqual({ type: "tool_start", id: "c", name: "x", input: { q: 1 } });
    expect(end).toEqual({ type: "tool_end", id: "c", name: "x", error: "Error: boom", duration_ms: expect.any(Number) });
  });

  // A tool_start means the tool really starts: a rejected call (the approval gate's refusal) has no tool events.
  it("reports a rejected call as its tool message alone", () => {
    const m = new LangGraphStreamMapper();
    m.map(["updates", { agent: { messages: [new AIMessage({ id: "a", content: "", tool_calls: [{ id: "c", name: "send_email", args: { to: "x" }, type: "tool_call" }] })] } }]);
    const refusal = new ToolMessage({
      id: "t", content: "The user rejected this call to send_email, so it did not run.", tool_call_id: "c", name: "send_email", status: "error",
      additional_kwargs: { metadata: { approval: { decision: "reject" } } },
    });
    expect(m.map(["updates", { tools: { messages: [refusal] } }])).toEqual([
      { type: "message", id: "t", role: "tool", content: "The user rejected this call to send_email, so it did not run.", tool_call_id: "c", name: "send_email" },
    ]);
  });

  // Only `doc` custom writes are part of the protocol; the last checkpoint is kept for the mirror.
  it("passes doc writes through and keeps the newest checkpoint", () => {
    const m = new LangGraphStreamMapper();
    expect(m.map(["custom", { type: "doc", title: "T", content: "# T", version: 1 }])).toEqual([{ type: "doc", title: "T", content: "# T", version: 1 }]);
    expect(m.map(["custom", { type: "other" }])).toEqual([]);
    const messages = [new HumanMessage({ id: "h", content: "hi" })];
    expect(m.map(["checkpoints", { config: { configurable: { checkpoint_id: "cp1" } }, values: { messages }, next: [] }])).toEqual([]);
    expect(m.checkpoint).toEqual({ checkpointId: "cp1", messages, values: { messages }, next: [] });
  });

  // A graph that pauses for a human (`interrupt()`) reports it; the run ends interrupted.
  it("maps interrupts and remembers that the run paused", () => {
    const m = new LangGraphStreamMapper();
    expect(m.interrupted).toBe(false);
    expect(m.map(["updates", { __interrupt__: [{ id: "i1", value: { tool: "send_email", args: { to: "a@b.c" } } }] }])).toEqual([
      { type: "interrupt", id: "i1", value: { tool: "send_email", args: { to: "a@b.c" } } },
    ]);
    expect(m.interrupted).toBe(true);
  });
});
