import { AIMessage, AIMessageChunk, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { describe, expect, it } from "vitest";
import { wireJsonText } from "./wire-json.js";

/** What the wire is defined as: each message (anything with a `toDict`) as its `toDict()` data plus its type. */
function byToDict(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key] as { toDict?: () => { type: string; data: object } } | null | undefined;
    if (raw && typeof raw === "object" && typeof raw.toDict === "function") {
      const { type, data } = raw.toDict();
      return { ...data, type };
    }
    return v;
  }) ?? "null";
}

/** A message whose own `toDict` says something else than LangChain's. */
class Tagged extends HumanMessage {
  override toDict() {
    return { type: "tagged", data: { content: String(this.content), tagged: true } } as unknown as ReturnType<HumanMessage["toDict"]>;
  }
}

describe("wireJsonText", () => {
  it("writes each message as its toDict() data and type, whatever holds it", () => {
    const messages = [
      new HumanMessage({ id: "h1", content: "hi", name: "ann", additional_kwargs: { x: 1 } }),
      new AIMessage({ id: "a1", content: [{ type: "text", text: "é \u2028" }], tool_calls: [{ id: "c1", name: "calc", args: { e: "6*7" } }], response_metadata: { model: "m" }, usage_metadata: { input_tokens: 1, output_tokens: 2, total_tokens: 3 } }),
      new ToolMessage({ id: "t1", content: "42", tool_call_id: "c1", name: "calc", artifact: { rows: [1] } }),
      new SystemMessage({ content: "be brief" }),
      new AIMessageChunk({ id: "k1", content: "to", tool_call_chunks: [{ id: "c2", name: "calc", args: '{"e":', index: 0 }] }),
    ];
    const holders: unknown[] = [
      ...messages,
      { messages, last: messages[1] },
      [messages[2], { deeper: [messages[4]] }],
      { toJSON: () => ({ message: messages[0] }) },
      { date: new Date(0), gaps: [undefined, () => 1] },
      undefined,
    ];
    for (const value of holders) expect(wireJsonText(value)).toBe(byToDict(value));
    expect(JSON.parse(wireJsonText(messages[1]))).toMatchObject({ type: "ai", id: "a1", tool_calls: [{ name: "calc", args: { e: "6*7" } }] });
  });

  it("keeps a message's own toDict, and any other object's", () => {
    const tagged = new Tagged({ id: "g1", content: "mine" });
    const other = { toDict: () => ({ type: "thing", data: { a: 1 } }), a: 2 };
    expect(wireJsonText([tagged, other])).toBe('[{"content":"mine","tagged":true,"type":"tagged"},{"a":1,"type":"thing"}]');
  });
});
