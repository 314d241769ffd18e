/** A JSON schema (draft 7) as the Agent Server sends it: plain JSON. */
export type JsonSchema = { [key: string]: unknown };

/**
 * What `/assistants/:id/schemas` and `/subgraphs` tell of one graph, as the JS Agent Server's
 * GraphSchema: each part a JSON schema, or null when the graph does not say.
 */
export interface GraphSchema {
  state: JsonSchema | null;
  input: JsonSchema | null;
  output: JsonSchema | null;
  config: JsonSchema | null;
}

export const NO_SCHEMA: GraphSchema = { state: null, input: null, output: null, config: null };

/** Each part of `first` that it has, else `second`'s: a graph's run-time schemas over its static ones. */
export function mergeGraphSchemas(first: GraphSchema, second: GraphSchema): GraphSchema {
  return { state: first.state ?? second.state, input: first.input ?? second.input, output: first.output ?? second.output, config: first.config ?? second.config };
}

/** Whether any part is known. */
export function hasAnySchema(schema: GraphSchema): boolean {
  return Object.values(schema).some((part) => part !== null);
}
