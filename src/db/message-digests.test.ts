import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { describe, expect, it } from "vitest";
import { MessageDigests } from "./message-digests.js";

/** LangGraph's own serializer (its savers' default), counting the values it is asked to serialize. */
function countingSerializer() {
  const inner = new MemorySaver().serde;
  const serde = {
    dumped: 0,
    dumpsTyped(data: unknown) {
      serde.dumped += 1;
      return inner.dumpsTyped(data);
    },
    loadsTyped: (type: string, data: Uint8Array | string) => inner.loadsTyped(type, data),
  };
  return serde;
}

describe("message digests", () => {
  it("serializes a message once while it stays as it was, and again once a field is reassigned", async () => {
    const serde = countingSerializer();
    const digests = new MessageDigests(serde);
    const human = new HumanMessage({ id: "h1", content: "hello" });
    const reply = new AIMessage({ id: "a1", content: "hi" });

    const first = await digests.digestList([human, reply]);
    expect(first!.map((d) => d.id)).toEqual(["h1", "a1"]);
    expect(serde.dumped).toBe(2);

    // The next step's list: the same two and a new one; only the new one is serialized.
    const next = await digests.digestList([human, reply, new HumanMessage({ id: "h2", content: "again" })]);
    expect(next!.slice(0, 2)).toEqual(first);
    expect(serde.dumped).toBe(3);
    expect(digests.unchanged(reply, first![1]!.hash)).toBe(true);

    // Edited in place: serialized again, under a new hash; the old one no longer matches.
    reply.content = "hi there";
    const edited = await digests.digestList([human, reply]);
    expect(serde.dumped).toBe(4);
    expect(edited![1]!.hash).not.toBe(first![1]!.hash);
    expect(digests.unchanged(reply, first![1]!.hash)).toBe(false);
    expect(digests.unchanged(reply, edited![1]!.hash)).toBe(true);
  });

  it("is no list of messages unless every entry is a message with an id", async () => {
    const digests = new MessageDigests(countingSerializer());
    expect(await digests.digestList([])).toBeNull();
    expect(await digests.digestList([new HumanMessage({ id: "h1", content: "hello" }), { role: "user" }])).toBeNull();
    expect(await digests.digestList([new HumanMessage({ content: "no id" })])).toBeNull();
    expect(await digests.digestList("text")).toBeNull();
  });
});
