import type { AnyGraph } from "../runs/graph-registry.js";

/**
 * The Agent Server's `/schemas` answer, as far as a running graph tells it. The JS server reads
 * Zod state schemas, or else parses the graph's TypeScript source; ours are Annotation graphs and
 * carry no types at run time, so each state key is named without a type (messages excepted); no
 * config schema is known. Input and output are the state, as for an Annotation graph without
 * separate input or output annotations.
 */
export function graphSchemas(graphId: string, graph: AnyGraph) {
  const channels = Object.keys((graph as unknown as { builder: { channels: Record<string, unknown> } }).builder.channels);
  const state = {
    type: "object",
    title: graphId,
    properties: Object.fromEntries(channels.map((key) => [key, key === "messages" ? { type: "array", items: { type: "object" } } : {}])),
  };
  const config = null;
  return {
    graph_id: graphId,
    input_schema: state,
    output_schema: state,
    state_schema: state,
    config_schema: config,
    // As the JS server does: from JavaScript, config and context schemas are the same thing.
    context_schema: config,
  };
}
