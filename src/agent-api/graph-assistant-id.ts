import { createHash } from "node:crypto";

// The namespace the LangGraph servers derive a graph's assistant id from (RFC 4122's URL namespace).
const NAMESPACE_GRAPH = "6ba7b821-9dad-11d1-80b4-00c04fd430c8";

/**
 * The assistant id the Agent Server gives a graph: a UUID version 5 of the graph id, so a client
 * that stored it talks to the same graph here as there.
 */
export function graphAssistantId(graphId: string): string {
  const namespace = Buffer.from(NAMESPACE_GRAPH.replace(/-/g, ""), "hex");
  const bytes = createHash("sha1").update(namespace).update(graphId, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
