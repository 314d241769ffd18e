import { containsNul, loneSurrogatePath } from "../http/validate.js";
import { invalidStoreField } from "./store-rules.js";

/**
 * A search's `filter`, as LangGraph's stores read it: per top-level key of an item's value, a value it
 * must equal, or operators (`{"$gte": 3}`, `{"$in": ["a", "b"]}`).
 */
export type StoreFilter = Record<string, unknown>;

const COMPARISONS = { $gt: ">", $gte: ">=", $lt: "<", $lte: "<=" } as const;
const OPERATORS = ["$eq", "$ne", "$in", "$nin", ...Object.keys(COMPARISONS)];
const MAX_KEYS = 50;
const MAX_CHOICES = 1_000;

/** Refuses a filter this store would not apply as asked (an unknown operator, a `$gt` of a string): a 400 naming it. */
export function checkFilter(filter: unknown, field = "filter"): StoreFilter | undefined {
  if (filter === undefined || filter === null) return undefined;
  if (typeof filter !== "object" || Array.isArray(filter)) throw invalidStoreField(field, "must be an object");
  const entries = Object.entries(filter);
  if (entries.length > MAX_KEYS) throw invalidStoreField(field, `must have at most ${MAX_KEYS} keys`);
  if (containsNul(filter) || loneSurrogatePath(filter) !== null) throw invalidStoreField(field, "must not contain U+0000 or unpaired UTF-16 surrogates");
  for (const [key, wanted] of entries) {
    if (!isOperators(wanted)) continue;
    for (const [op, operand] of Object.entries(wanted)) {
      const name = `${field}.${key}.${op}`;
      if (!OPERATORS.includes(op)) throw invalidStoreField(name, `is not an operator this store knows (${OPERATORS.join(", ")})`);
      if (op in COMPARISONS && (typeof operand !== "number" || !Number.isFinite(operand))) throw invalidStoreField(name, "must be a number");
      if ((op === "$in" || op === "$nin") && (!Array.isArray(operand) || operand.length > MAX_CHOICES)) {
        throw invalidStoreField(name, `must be an array of at most ${MAX_CHOICES} values`);
      }
    }
  }
  return filter as StoreFilter;
}

/**
 * The filter as SQL conditions on `<alias>.value`, its operands appended to `params` ($n each). Equality
 * is JSON equality (1 is not "1"); `$ne` and `$nin` hold for an item without the key; comparisons hold
 * only for numbers.
 */
export function filterSql(filter: StoreFilter | undefined, params: unknown[], alias: string): string {
  const conditions: string[] = [];
  const param = (value: unknown) => `$${params.push(value)}`;
  for (const [key, wanted] of Object.entries(filter ?? {})) {
    const field = `${alias}.value -> ${param(key)}::text`;
    const ops = isOperators(wanted) ? Object.entries(wanted) : [["$eq", wanted] as const];
    for (const [op, operand] of ops) {
      if (op === "$eq") conditions.push(`${field} = ${param(JSON.stringify(operand))}::jsonb`);
      else if (op === "$ne") conditions.push(`${field} IS DISTINCT FROM ${param(JSON.stringify(operand))}::jsonb`);
      else if (op === "$in") conditions.push(`COALESCE(${field} IN (SELECT jsonb_array_elements(${param(JSON.stringify(operand))}::jsonb)), false)`);
      else if (op === "$nin") conditions.push(`NOT COALESCE(${field} IN (SELECT jsonb_array_elements(${param(JSON.stringify(operand))}::jsonb)), false)`);
      else {
        const cmp = COMPARISONS[op as keyof typeof COMPARISONS];
        conditions.push(`COALESCE(CASE WHEN jsonb_typeof(${field}) = 'number' THEN (${field})::text::numeric ${cmp} ${param(operand)}::numeric END, false)`);
      }
    }
  }
  return conditions.length ? conditions.join(" AND ") : "true";
}

/** An object of operators: every key starts with "$" (one that does not is a value to equal). */
function isOperators(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length > 0 && keys.every((k) => k.startsWith("$"));
}
