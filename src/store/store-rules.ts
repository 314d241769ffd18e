import { AppError } from "../errors.js";
import { containsNul, loneSurrogatePath } from "../http/validate.js";

/** How many labels a namespace may have. */
export const MAX_LABELS = 20;
/**
 * The most a namespace and a key may take together, in UTF-8 bytes: they are the primary key, and a
 * B-tree entry larger than about 2.7 kB cannot be stored (PostgreSQL refuses the row).
 */
export const MAX_ADDRESS_BYTES = 2_000;

/** A refusal of part of a store request, naming the field (`namespace.1`, `filter.age`) as a 400 does. */
export function invalidStoreField(name: string, reason: string): AppError {
  return new AppError("invalid_request", `Invalid store request: ${name}: ${reason}`, { fields: [{ name, reason }] });
}

/**
 * A namespace as LangGraph's server takes it: labels that are non-empty strings without "." (the
 * Agent Server joins them with "." in a query string). `empty` allows none at all (a search's prefix).
 */
export function checkNamespace(namespace: unknown, field: string, { empty = false } = {}): string[] {
  if (!Array.isArray(namespace)) throw invalidStoreField(field, "must be an array of strings");
  if (namespace.length === 0 && !empty) throw invalidStoreField(field, "must have at least one label");
  if (namespace.length > MAX_LABELS) throw invalidStoreField(field, `must have at most ${MAX_LABELS} labels`);
  namespace.forEach((label: unknown, i) => {
    const reason = labelProblem(label);
    if (reason) throw invalidStoreField(`${field}.${i}`, reason);
  });
  if (Buffer.byteLength(namespace.join("")) > MAX_ADDRESS_BYTES) throw invalidStoreField(field, `must take at most ${MAX_ADDRESS_BYTES} bytes (UTF-8)`);
  return namespace as string[];
}

/** A key: any string PostgreSQL can store (no U+0000) that fits beside its namespace. */
export function checkKey(key: unknown, namespace: readonly string[], field = "key"): string {
  if (typeof key !== "string") throw invalidStoreField(field, "must be a string");
  if (key.includes("\u0000")) throw invalidStoreField(field, "must not contain U+0000");
  if (Buffer.byteLength(namespace.join("") + key) > MAX_ADDRESS_BYTES) {
    throw invalidStoreField(field, `with its namespace must take at most ${MAX_ADDRESS_BYTES} bytes (UTF-8)`);
  }
  return key;
}

function labelProblem(label: unknown): string | null {
  if (typeof label !== "string") return "must be a string";
  if (label === "") return "must not be empty";
  if (label.includes(".")) return 'must not contain "."';
  if (label.includes("\u0000")) return "must not contain U+0000";
  return null;
}

/** An item's value: a JSON object PostgreSQL's jsonb can hold (no U+0000, no unpaired surrogate). */
export function checkValue(value: unknown, field = "value"): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidStoreField(field, "must be an object");
  if (containsNul(value)) throw invalidStoreField(field, "must not contain U+0000");
  const at = loneSurrogatePath(value);
  if (at !== null) throw invalidStoreField(at ? `${field}.${at}` : field, "must not contain unpaired UTF-16 surrogates");
  return value as Record<string, unknown>;
}
