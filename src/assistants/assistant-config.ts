import { z } from "zod";

/** The per-run settings an assistant stores; each is passed to its graph as `configurable.<name>`. */
export interface AssistantConfig {
  system_prompt?: string;
  model?: string;
  temperature?: number;
  window_rounds?: number;
  /** The graph's tools this assistant may call, by name; absent means all of them. */
  tools?: string[];
}

export type AssistantSetting = keyof AssistantConfig;

const notBlank = (s: string) => s.trim().length > 0;
const settings = {
  system_prompt: z.string().max(20_000, "must be at most 20000 characters").refine(notBlank, "must not be empty"),
  model: z.string().max(200, "must be at most 200 characters").refine(notBlank, "must not be empty"),
  temperature: z.number("must be a number").min(0, "must be between 0 and 2").max(2, "must be between 0 and 2"),
  window_rounds: z.number("must be an integer").int("must be an integer").min(1, "must be between 1 and 1000").max(1000, "must be between 1 and 1000"),
  tools: z
    .array(z.string().min(1).max(200), "must be an array of tool names")
    .max(100)
    .refine((names) => new Set(names).size === names.length, "must not name a tool twice"),
};

export const assistantConfigSchema: z.ZodType<AssistantConfig> = z.strictObject({
  system_prompt: settings.system_prompt.optional(),
  model: settings.model.optional(),
  temperature: settings.temperature.optional(),
  window_rounds: settings.window_rounds.optional(),
  tools: settings.tools.optional(),
});

/** A PATCH's `config`: a JSON merge patch, where `null` removes a setting (back to the graph's default). */
export type AssistantConfigPatch = { [K in AssistantSetting]?: AssistantConfig[K] | null };

export const assistantConfigPatchSchema: z.ZodType<AssistantConfigPatch> = z.strictObject({
  system_prompt: settings.system_prompt.nullable().optional(),
  model: settings.model.nullable().optional(),
  temperature: settings.temperature.nullable().optional(),
  window_rounds: settings.window_rounds.nullable().optional(),
  tools: settings.tools.nullable().optional(),
});

/** One level of JSON merge patch (RFC 7396): given keys replace, `null` removes. */
export function mergePatch<T extends object>(current: T, patch: { [key: string]: unknown }): T {
  const next = { ...current } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else if (value !== undefined) next[key] = value;
  }
  return next as T;
}
