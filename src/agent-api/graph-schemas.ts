import type { AnyGraph } from "../runs/graph-registry.js";

/**
 * The Agent Server's `/schemas` answer, as far as a running graph tells it. The JS server reads
 * Zod state schemas, or else parses the graph's TypeScript source; ours are Annotation graphs and
 * carry no types at run time, so each state key is named without a type (messages excepted); no
 * config schema is known. Input and output are the state, as for an Annotation graph without
 * separate input or output annotations.
 */
export function graphSchemas(graphId: string, graph: AnyGraph) {
  const state = stateSchema(graphId, graph);
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

/** A graph's state as a JSON schema: each channel by name, untyped but for messages (see graphSchemas). */
export function stateSchema(title: string, graph: unknown) {
  const channels = Object.keys((graph as { builder?: { channels?: Record<string, unknown> } }).builder?.channels ?? {});
  return {
    type: "object",
    title,
    properties: Object.fromEntries(channels.map((key) => [key, key === "messages" ? { type: "array", items: { type: "object" } } : {}])),
  };
}

/** A subgraph's schemas as `/assistants/:id/subgraphs` gives them (the JS server's GraphSchema: no graph_id, no _schema suffix). */
export function subgraphSchemas(namespace: string, graph: unknown) {
  const state = stateSchema(namespace, graph);
  return { state, input: state, output: state };
}
