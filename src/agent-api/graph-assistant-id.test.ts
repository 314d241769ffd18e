import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { graphAssistantId } from "./graph-assistant-id.js";

/** A UUID version 5 (RFC 4122) in the LangGraph servers' graph namespace, written out here, not taken from the module. */
function rfcUuidV5(name: string): string {
  const namespace = Buffer.from("6ba7b821-9dad-11d1-80b4-00c04fd430c8".replace(/-/g, ""), "hex");
  const b = createHash("sha1").update(namespace).update(name).digest();
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString("hex");
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
}

describe("graphAssistantId", () => {
  it("is the id the LangGraph servers give a graph, the same when asked again", () => {
    // What `langgraphjs dev` and the Agent Server answer for the graph "agent".
    expect(graphAssistantId("agent")).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    expect(graphAssistantId("agent")).toBe("fe096781-5601-53d2-b2f6-0d3403f7e9ca");
    for (const graphId of ["chat", "draft", "ü-graph", ""]) expect(graphAssistantId(graphId), graphId).toBe(rfcUuidV5(graphId));
  });

  it("gives the right ids past the number it keeps", () => {
    const ids = Array.from({ length: 2100 }, (_, i) => `graph-${i}`);
    for (const id of ids) graphAssistantId(id);
    for (const id of [ids[0], ids[1500], ids[2099]]) expect(graphAssistantId(id!)).toBe(rfcUuidV5(id!));
  });
});
