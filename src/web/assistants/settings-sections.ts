import { schemaFields, type SchemaField } from "./schema-fields";

/** Where a section's values are stored: the run's `context`, its `configurable`, or both. */
export type SettingsTarget = "context" | "configurable" | "both";

export interface SettingsSection {
  target: SettingsTarget;
  title: string;
  fields: SchemaField[];
}

/**
 * The form's sections from a graph's schemas. From JavaScript the config and context schemas are
 * often the same (README: *Schemas*); then one section is written to both places, so the graph
 * finds a setting wherever it reads it (the chat graph reads context first, then configurable).
 */
export function settingsSections(schemas: { config_schema?: unknown; context_schema?: unknown } | null): SettingsSection[] {
  if (!schemas) return [];
  const context = schemaFields(schemas.context_schema);
  const config = schemaFields(schemas.config_schema);
  if (context.length > 0 && JSON.stringify(schemas.context_schema) === JSON.stringify(schemas.config_schema)) {
    return [{ target: "both", title: "Settings", fields: context }];
  }
  const sections: SettingsSection[] = [];
  if (context.length > 0) sections.push({ target: "context", title: "Context", fields: context });
  if (config.length > 0) sections.push({ target: "configurable", title: "Configurable", fields: config });
  return sections;
}

/** A field's stored value for a section: from context first, as a run reads it, then configurable. */
export function storedValue(target: SettingsTarget, key: string, context: Record<string, unknown>, configurable: Record<string, unknown>): unknown {
  if (target === "configurable") return configurable[key];
  if (target === "context") return context[key];
  return key in context ? context[key] : configurable[key];
}

/** A field's error key: unique across sections. */
export const fieldKey = (target: SettingsTarget, key: string) => `${target}.${key}`;

/**
 * A 400's invalid_params name (`context.temperature`, `config.configurable.model`, `name`) as the
 * form's field key, or null when no field shows it.
 */
export function fieldOfParam(param: string, sections: SettingsSection[]): string | null {
  if (param === "name") return "name";
  const match = /^(context|config\.configurable)\.([^.]+)/.exec(param);
  if (!match) return null;
  const target = match[1] === "context" ? "context" : "configurable";
  const section = sections.find((s) => (s.target === target || s.target === "both") && s.fields.some((f) => f.key === match[2]));
  return section ? fieldKey(section.target, match[2]) : null;
}
