import { z } from "zod";
import { assistantConfigSchema, type AssistantConfig } from "../assistants/assistant-config.js";
import { AppError, type InvalidField } from "../errors.js";
import { containsNul } from "../http/validate.js";

const settings = assistantConfigSchema.refine((v) => !containsNul(v), "must not contain NUL (U+0000) characters");

/**
 * The Agent Server's `config` and `context` as they carry a stored assistant's settings: our settings
 * are `config.configurable` keys (or `context` keys); anything else would be stored and then
 * silently not used, so it is refused, naming the field.
 */
export const agentConfigSchema = z.strictObject({ configurable: settings.optional() });
export const agentContextSchema = settings;

/**
 * The settings given in `config.configurable` and `context`. A setting may come from either; given
 * in both, the two must agree. Invalid fields are named where they were sent. The graph decides
 * what it reads, as upstream: a setting it does not read is kept and ignored.
 */
export function agentSettings(given: { config?: { configurable?: AssistantConfig }; context?: AssistantConfig }): AssistantConfig {
  const fromConfig = given.config?.configurable ?? {};
  const fromContext = given.context ?? {};
  const problems: InvalidField[] = [];
  for (const key of Object.keys(fromContext) as (keyof AssistantConfig)[]) {
    if (key in fromConfig && JSON.stringify(fromConfig[key]) !== JSON.stringify(fromContext[key])) {
      problems.push({ name: `context.${key}`, reason: "differs from config.configurable." + key + "; give it once" });
    }
  }
  const merged: AssistantConfig = { ...fromConfig, ...fromContext };
  if (problems.length) {
    throw new AppError("invalid_request", `Invalid body: ${problems.map((f) => `${f.name}: ${f.reason}`).join("; ")}`, { fields: problems });
  }
  return merged;
}
