import ts from "typescript";
import type { JsonSchema } from "./graph-schema.js";

const { TypeFlags: F } = ts;

export type Literal = string | number | boolean;

/** The JSON type of a primitive TypeScript type, if it is one. */
export function primitiveName(type: ts.Type): string | undefined {
  const f = type.flags;
  if (f & (F.String | F.TemplateLiteral | F.StringMapping)) return "string";
  if (f & F.Number) return "number";
  if (f & F.BigInt) return "integer";
  if (f & F.Boolean) return "boolean";
  if (f & F.Null) return "null";
  return undefined;
}

/** The value of a literal type, if it is one. */
export function literalValue(checker: ts.TypeChecker, type: ts.Type): Literal | undefined {
  if (type.isStringLiteral() || type.isNumberLiteral()) return type.value;
  if (type.flags & F.BooleanLiteral) return checker.typeToString(type) === "true";
  return undefined;
}

export function jsonType(value: Literal): string {
  return typeof value === "string" ? "string" : typeof value === "number" ? "number" : "boolean";
}

/**
 * Primitive types and literals of a union as few schemas as possible: `{type}` or `{type: [...]}`;
 * literals as an `enum`, sorted (with null in it when the union is nullable), or `const` when alone.
 */
export function scalarSchemas(types: Set<string>, literals: Literal[]): JsonSchema[] {
  const typeOf = (names: Iterable<string>) => {
    const sorted = [...new Set(names)].sort();
    return sorted.length === 1 ? sorted[0] : sorted;
  };
  if (literals.length === 0) return types.size === 0 ? [] : [{ type: typeOf(types) }];
  // Sorted: the checker orders a union's members by when each literal type was first made, which
  // depends on everything else in the program.
  literals = [...literals].sort(compareLiterals);
  const literalTypes = literals.map(jsonType);
  const nullable = types.has("null");
  if (types.size === 0 && literals.length === 1) return [{ type: literalTypes[0], const: literals[0] }];
  if (types.size === (nullable ? 1 : 0)) return [{ type: typeOf([...literalTypes, ...types]), enum: nullable ? [...literals, null] : literals }];
  // Literals beside other primitives (`number | "auto"`): each kept as a choice of its own.
  return [{ type: typeOf(types) }, { type: typeOf(literalTypes), enum: literals }];
}

function compareLiterals(a: Literal, b: Literal): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

