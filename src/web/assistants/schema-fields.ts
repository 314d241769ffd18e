// A form's fields from a JSON Schema (draft 07) object: what a graph's config or context schema says
// of each key. Anything beyond a plain string, number or boolean is edited as JSON.

export type FieldKind = "string" | "text" | "enum" | "number" | "integer" | "boolean" | "json";

export interface SchemaField {
  key: string;
  label: string;
  description: string | null;
  kind: FieldKind;
  options: string[];
  minimum: number | null;
  maximum: number | null;
  default: unknown;
}

type JsonSchema = Record<string, unknown>;

const isObject = (v: unknown): v is JsonSchema => typeof v === "object" && v !== null && !Array.isArray(v);

/** "system_prompt" → "System prompt". */
export function humanize(key: string): string {
  const words = key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_-]+/g, " ").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The one non-null type a property allows (through `type: [..., "null"]` or `anyOf`), or null. */
function singleType(p: JsonSchema): string | null {
  if (Array.isArray(p.anyOf)) {
    const branches = p.anyOf.filter((b) => isObject(b) && b.type !== "null") as JsonSchema[];
    return branches.length === 1 ? singleType(branches[0]) : null;
  }
  const types = (Array.isArray(p.type) ? p.type : [p.type]).filter((t) => t !== "null" && t !== undefined);
  return types.length === 1 && typeof types[0] === "string" ? types[0] : null;
}

function kindOf(key: string, p: JsonSchema): FieldKind {
  if (Array.isArray(p.enum) && p.enum.length > 0 && p.enum.every((v) => typeof v === "string")) return "enum";
  switch (singleType(p)) {
    case "string":
      // Prompts and other long text get room to write.
      return /prompt|instruction|template|description/i.test(key) || (typeof p.maxLength === "number" && p.maxLength > 200) ? "text" : "string";
    case "number":
      return "number";
    case "integer":
      return "integer";
    case "boolean":
      return "boolean";
    default:
      return "json";
  }
}

/** The schema's properties as fields, in the schema's order; none when it has no properties. */
export function schemaFields(schema: unknown): SchemaField[] {
  if (!isObject(schema) || !isObject(schema.properties)) return [];
  return Object.entries(schema.properties).map(([key, raw]) => {
    const p = isObject(raw) ? raw : {};
    return {
      key,
      label: typeof p.title === "string" && p.title ? p.title : humanize(key),
      description: typeof p.description === "string" ? p.description : null,
      kind: kindOf(key, p),
      options: Array.isArray(p.enum) ? p.enum.map(String) : [],
      minimum: typeof p.minimum === "number" ? p.minimum : null,
      maximum: typeof p.maximum === "number" ? p.maximum : null,
      default: p.default,
    };
  });
}

/** What an input shows for a stored value: text for text inputs, a boolean for a checkbox, JSON otherwise. */
export function toDraft(field: SchemaField, value: unknown): string | boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (field.kind === "boolean") return typeof value === "boolean" ? value : undefined;
  if (typeof value === "string" && field.kind !== "json") return value;
  if (typeof value === "number" && (field.kind === "number" || field.kind === "integer")) return String(value);
  return JSON.stringify(value, null, 2);
}

/** The value to store for a draft (undefined: unset, the graph's default), or the reason it cannot be. */
export function fromDraft(field: SchemaField, draft: string | boolean | undefined): { value: unknown } | { error: string } {
  if (draft === undefined) return { value: undefined };
  if (typeof draft === "boolean") return { value: draft };
  if (draft.trim() === "") return { value: undefined };
  switch (field.kind) {
    case "number":
    case "integer": {
      const n = Number(draft);
      if (!Number.isFinite(n)) return { error: "must be a number" };
      if (field.kind === "integer" && !Number.isInteger(n)) return { error: "must be a whole number" };
      if (field.minimum !== null && n < field.minimum) return { error: `must be at least ${field.minimum}` };
      if (field.maximum !== null && n > field.maximum) return { error: `must be at most ${field.maximum}` };
      return { value: n };
    }
    case "json":
      try {
        return { value: JSON.parse(draft) };
      } catch {
        return { error: "is not valid JSON" };
      }
    default:
      return { value: draft };
  }
}
