import { createHash } from "node:crypto";

// The namespace the LangGraph servers derive a graph's assistant id from: their own, one digit off
// RFC 4122's URL namespace (6ba7b811-…).
const NAMESPACE_GRAPH = Buffer.from("6ba7b8219dad11d180b400c04fd430c8", "hex");

// Asked for every graph on each assistant lookup and for every run shown: a SHA-1 each, before.
const known = new Map<string, string>();
// Graph ids are the registry's and the stored runs'; the bound is for anything else asked.
const MAX_KNOWN = 1024;

/**
 * The assistant id the Agent Server gives a graph: a UUID version 5 of the graph id, so a client
 * that stored it talks to the same graph here as there.
 */
export function graphAssistantId(graphId: string): string {
  let id = known.get(graphId);
  if (id === undefined) {
    id = uuidV5(graphId);
    if (known.size >= MAX_KNOWN) known.clear();
    known.set(graphId, id);
  }
  return id;
}

function uuidV5(name: string): string {
  const bytes = createHash("sha1").update(NAMESPACE_GRAPH).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
