import { z } from "zod";
import { containsNul } from "../http/validate.js";

export type JsonObject = Record<string, unknown>;

/**
 * An assistant's config, as LangGraph's Agent Server keeps it: `configurable` (what its graph reads
 * as `config.configurable`), `tags`, `recursion_limit`, and any other key. The graph decides what it
 * reads; nothing here knows any graph's settings.
 */
export interface AssistantConfig {
  configurable?: JsonObject;
  tags?: string[];
  recursion_limit?: number;
  [key: string]: unknown;
}

/** The most a config or a context may take as JSON: a long system prompt fits many times over. */
export const MAX_CONFIG_BYTES = 100_000;

/** Refuses what PostgreSQL cannot store (NUL) and what no graph needs (past MAX_CONFIG_BYTES). */
function storable<T extends z.ZodType>(schema: T) {
  return schema
    .refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters")
    .refine((v) => Buffer.byteLength(JSON.stringify(v) ?? "") <= MAX_CONFIG_BYTES, `must be at most ${MAX_CONFIG_BYTES} bytes as JSON`);
}

const object = () => z.record(z.string(), z.unknown(), "must be an object");

/** Any JSON object: a graph's `configurable` or `context`. */
export const jsonObjectSchema = storable(object());

/** A config: any keys; the ones LangGraph itself reads are checked, so that a run does not fail on them later. */
export const assistantConfigSchema: z.ZodType<AssistantConfig> = storable(
  z.looseObject({
    configurable: object().optional(),
    tags: z.array(z.string().max(200), "must be a list of strings").max(100).optional(),
    recursion_limit: z.number("must be an integer").int("must be an integer").min(1, "must be from 1 to 10000").max(10_000, "must be from 1 to 10000").optional(),
  }),
);

/** One level of JSON merge patch (RFC 7396): given keys replace, `null` removes. */
export function mergePatch<T extends object>(current: T, patch: { [key: string]: unknown }): T {
  const next = { ...current } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as T;
}
