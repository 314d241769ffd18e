import type { SettingsSection } from "./settings-sections";

/**
 * Which model server and model an assistant runs on: `config.configurable.provider_id` (one of the
 * tenant's providers; none means the environment's server) and `model`. The editor shows these two
 * in a section of their own, with the tenant's providers to choose from, rather than as the
 * schema's plain text fields.
 */
export interface ModelChoice {
  /** "" for the environment's model server. */
  providerId: string;
  /** "" for the provider's default model (or the environment's). */
  model: string;
}

const KEYS = ["provider_id", "model"] as const;
type Key = (typeof KEYS)[number];
const isKey = (key: string): key is Key => (KEYS as readonly string[]).includes(key);

/** The schema's sections without the two fields the model section shows; a section left empty goes. */
export function withoutModelFields(sections: SettingsSection[]): SettingsSection[] {
  return sections.map((s) => ({ ...s, fields: s.fields.filter((f) => !isKey(f.key)) })).filter((s) => s.fields.length > 0);
}

/** Shown for a graph whose schema has a model setting, or an assistant that already names a provider. */
export function showsModelChoice(sections: SettingsSection[], configurable: Record<string, unknown>): boolean {
  return sections.some((s) => s.fields.some((f) => isKey(f.key))) || typeof configurable.provider_id === "string";
}

/** What the assistant stores, read as a run reads it: context first, then configurable. */
export function storedModelChoice(context: Record<string, unknown>, configurable: Record<string, unknown>): ModelChoice {
  const read = (key: Key) => {
    const value = key in context ? context[key] : configurable[key];
    return typeof value === "string" ? value : "";
  };
  return { providerId: read("provider_id"), model: read("model") };
}

/** The model's problem, or null. */
export function modelChoiceError(choice: ModelChoice): string | null {
  return choice.model.trim().length > 200 ? "must be at most 200 characters" : null;
}

/**
 * Writes the choice into copies of the assistant's context and configurable: always configurable
 * (where runs and the service look for the provider), and context too where the graph's schema
 * reads that key from context, so a stale value there cannot win over the new one.
 */
export function applyModelChoice(choice: ModelChoice, sections: SettingsSection[], context: Record<string, unknown>, configurable: Record<string, unknown>): void {
  const values: Record<Key, string> = { provider_id: choice.providerId, model: choice.model.trim() };
  for (const key of KEYS) {
    const inContext = sections.some((s) => s.target !== "configurable" && s.fields.some((f) => f.key === key));
    for (const place of inContext ? [configurable, context] : [configurable]) {
      if (values[key] === "") delete place[key];
      else place[key] = values[key];
    }
  }
}

/** A 4xx's invalid_params name for one of the two (`config.configurable.provider_id`), or null. */
export function modelFieldOfParam(param: string): Key | null {
  const match = /^(?:context|config\.configurable|configurable)\.(provider_id|model)$/.exec(param);
  return match ? (match[1] as Key) : null;
}
