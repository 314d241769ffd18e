import type { Logger } from "pino";
import { z } from "zod";
import { type AssistantConfig, assistantConfigSchema, type JsonObject, jsonObjectSchema } from "../assistants/assistant-config.js";
import { StartupError } from "../startup-error.js";

/** What a graph's own assistant runs with when a run gives nothing else. */
export interface GraphDefaults {
  config: AssistantConfig;
  context: JsonObject;
}

export const NO_DEFAULTS: GraphDefaults = Object.freeze({ config: {}, context: {} });

/**
 * LANGGRAPH_CONFIG, as LangGraph's Agent Server reads it (the manifest's `env` may set it): JSON,
 * `{ "<graph id>": { "configurable": {...}, "context": {...}, ... } }`, each graph's entry its own
 * assistant's config, apart from `context`. Unset: no defaults. Anything it cannot use stops
 * start-up with one line naming the variable; a graph the manifest does not list is only warned of
 * (a manifest shared with the LangGraph CLI may name graphs served elsewhere).
 */
export function readGraphDefaults(raw: string | undefined, graphIds: readonly string[], logger: Logger): Map<string, GraphDefaults> {
  const defaults = new Map<string, GraphDefaults>();
  if (raw === undefined || raw.trim() === "") return defaults;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new StartupError(`LANGGRAPH_CONFIG: not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) {
    throw new StartupError('LANGGRAPH_CONFIG: must be a JSON object of graph ids, e.g. {"agent": {"configurable": {...}, "context": {...}}}');
  }
  for (const [graphId, entry] of Object.entries(parsed)) {
    if (!isObject(entry)) throw new StartupError(`LANGGRAPH_CONFIG: ${graphId}: must be an object (the graph's config, and its context)`);
    const { context, ...config } = entry;
    defaults.set(graphId, {
      config: checked(graphId, assistantConfigSchema, config),
      context: context === undefined ? {} : checked(`${graphId}.context`, jsonObjectSchema, context),
    });
    if (!graphIds.includes(graphId)) logger.warn({ graphId }, `LANGGRAPH_CONFIG names graph "${graphId}", which the manifest does not list; it is ignored`);
  }
  return defaults;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function checked<T>(at: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = [at, ...issue.path.map(String)].join(".");
  throw new StartupError(`LANGGRAPH_CONFIG: ${path}: ${issue.message}`);
}
