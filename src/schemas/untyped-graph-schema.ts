import type { GraphSchema, JsonSchema } from "./graph-schema.js";

/**
 * What a graph's channels alone tell, when neither its run-time schemas nor its types are known
 * (types not read yet, or unreadable): each state key by name, untyped but for messages. Input and
 * output are the state, as for an Annotation graph without separate input or output annotations.
 */
export function untypedGraphSchema(title: string, graph: unknown): GraphSchema {
  const channels = Object.keys((graph as { builder?: { channels?: Record<string, unknown> } }).builder?.channels ?? {});
  const state: JsonSchema = {
    type: "object",
    title,
    properties: Object.fromEntries(channels.map((key) => [key, key === "messages" ? { type: "array", items: { type: "object" } } : {}])),
  };
  return { state, input: state, output: state, config: null };
}
