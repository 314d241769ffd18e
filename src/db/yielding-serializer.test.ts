import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { describe, expect, it } from "vitest";
import { YieldingSerializer } from "./yielding-serializer.js";

const lists = {
  messages: Array.from({ length: 1_234 }, (_, i) =>
    i % 3 === 0 ? new HumanMessage({ id: `h${i}`, content: `question ${i} "quoted" \u00e9\ud83d\ude00` })
      : i % 3 === 1 ? new AIMessage({ id: `a${i}`, content: "", tool_calls: [{ id: `c${i}`, name: "calculator", args: { expression: `${i}+1` } }] })
        : new ToolMessage({ id: `t${i}`, content: String(i), tool_call_id: `c${i - 1}` })),
  mixed: Array.from({ length: 1_001 }, (_, i) => [undefined, null, i, "text", { nested: [new Set([i]), new Map([["k", i]])] }, new Uint8Array([i % 256])][i % 6]),
};

describe("YieldingSerializer", () => {
  const plain = new MemorySaver().serde;
  const yielding = new YieldingSerializer(plain);

  it("writes a long list as the same bytes as LangGraph's serializer, and reads them back alike", async () => {
    for (const [name, list] of Object.entries(lists)) {
      const [type, bytes] = await yielding.dumpsTyped(list);
      const [plainType, plainBytes] = await plain.dumpsTyped(list);
      expect(type, name).toBe(plainType);
      expect(Buffer.from(bytes).equals(Buffer.from(plainBytes)), name).toBe(true);
      expect(await yielding.loadsTyped(type, bytes)).toEqual(await plain.loadsTyped(plainType, plainBytes));
    }
  });

  it("lets the event loop run while it writes a long list, not while it writes a short one", async () => {
    const ranDuring = async (list: unknown[]) => {
      let ran = false;
      setImmediate(() => (ran = true));
      await yielding.dumpsTyped(list);
      return ran;
    };
    expect(await ranDuring(lists.messages)).toBe(true);
    expect(await ranDuring(lists.messages.slice(0, 10))).toBe(false);
  });
});
