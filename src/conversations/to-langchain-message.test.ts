import { describe, expect, it } from "vitest";
import { toMessageRows } from "./message-row.js";
import { toLangChainMessage } from "./to-langchain-message.js";

describe("toLangChainMessage", () => {
  // What a client appends must come back out of the projection as it went in.
  it("round-trips every role, metadata, name and tool call id through the mirror projection", () => {
    const messages = [
      toLangChainMessage({ role: "system", content: "be brief", id: "s1" }),
      toLangChainMessage({ role: "user", content: "hi", id: "u1", name: "alice", metadata: { source: "import", n: 1 } }),
      toLangChainMessage({ role: "assistant", content: "hello", id: "a1", metadata: { rating: "good" } }),
      toLangChainMessage({ role: "tool", content: "42", id: "t1", toolCallId: "call_1", name: "calculator" }),
    ];
    expect(messages.map((m) => m.getType())).toEqual(["system", "human", "ai", "tool"]);
    expect(toMessageRows(messages).map((r) => [r.messageId, r.role, r.content, r.name, r.toolCallId, r.metadata, r.status, r.parts])).toEqual([
      ["s1", "system", "be brief", null, null, {}, "complete", null],
      ["u1", "user", "hi", "alice", null, { source: "import", n: 1 }, "complete", null],
      ["a1", "assistant", "hello", null, null, { rating: "good" }, "complete", null],
      ["t1", "tool", "42", "calculator", "call_1", {}, "complete", null],
    ]);
  });

  it("gives a message without an id a fresh one", () => {
    const [a, b] = [toLangChainMessage({ role: "user", content: "x" }), toLangChainMessage({ role: "user", content: "x" })];
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.id).not.toBe(a.id);
  });

  it("refuses a tool message without a tool call id", () => {
    expect(() => toLangChainMessage({ role: "tool", content: "42" })).toThrow(/tool call/);
  });
});
