import ts from "typescript";
import type { JsonSchema } from "./graph-schema.js";
import { documentation, keywordTags } from "./jsdoc-schema.js";
import { isLangChainMessage, isOverwrite, mentionsMessage, messageBase } from "./langchain-types.js";
import { jsonType, literalValue, primitiveName, scalarSchemas, type Literal } from "./scalar-schemas.js";
import type { SubclassIndex } from "./subclass-index.js";

export const DRAFT_07 = "http://json-schema.org/draft-07/schema#";
/** Deeper than any state a form draws; past it a value is described as anything. */
const MAX_DEPTH = 12;
const { TypeFlags: F } = ts;

/**
 * One JSON schema from TypeScript types, in the shape the JS Agent Server's static parser gives
 * (typescript-json-schema's conventions): classes and interfaces as `definitions` referred to by
 * `$ref` and named as TypeScript prints them without spaces (`BaseMessage<MessageStructure<...>,
 * MessageType>`), an abstract class as `oneOf` its subclasses, unions of literals as `enum`, no
 * `required` lists (a state key may be unset until a node writes it). Object literal types are
 * written inline, which forms read more easily than the definitions upstream names after their text.
 * Only data is described: methods, accessors, functions and private or `_`-prefixed members are left
 * out. An array of LangChain messages is marked `langgraph_type: "messages"`, as run-time schemas are.
 */
export class JsonSchemaOfType {
  private readonly definitions = new Map<string, JsonSchema>();
  private readonly names = new Map<ts.Type, string>();
  private readonly open = new Set<ts.Type>();

  constructor(
    private readonly checker: ts.TypeChecker,
    private readonly program: ts.Program,
    private readonly subclasses: SubclassIndex,
  ) {}

  /** A whole schema for `type` (an object type: a graph's state, input, output or config). */
  root(type: ts.Type): JsonSchema {
    return this.whole(this.named(type) ? this.objectOf(type, 0) : this.schemaOf(type, 0));
  }

  /** A whole schema for an object whose keys' types are known one by one (a context annotation's channels). */
  rootOfProperties(entries: { symbol: ts.Symbol; type: ts.Type }[]): JsonSchema {
    const properties = Object.fromEntries(entries.map(({ symbol, type }) => [symbol.name, this.propertySchema(symbol, type, 0)]));
    return this.whole({ type: "object", ...(entries.length > 0 ? { properties } : {}) });
  }

  private whole(schema: JsonSchema): JsonSchema {
    const definitions = Object.fromEntries(this.definitions);
    return { ...schema, ...(this.definitions.size > 0 ? { definitions } : {}), $schema: DRAFT_07 };
  }

  private propertySchema(symbol: ts.Symbol, type: ts.Type, depth: number): JsonSchema {
    const schema = this.schemaOf(type, depth + 1);
    const description = documentation(this.checker, symbol);
    return { ...(description ? { description } : {}), ...schema, ...keywordTags(this.checker, symbol) };
  }

  private schemaOf(type: ts.Type, depth: number): JsonSchema {
    if (depth > MAX_DEPTH) return {};
    const f = type.flags;
    if (f & (F.Any | F.Unknown | F.TypeParameter | F.Undefined | F.Void | F.Never | F.ESSymbolLike)) return {};
    if (type.isUnion()) return this.union(type.types, depth);
    const primitive = primitiveName(type);
    if (primitive) return { type: primitive };
    const literal = literalValue(this.checker, type);
    if (literal !== undefined) return { type: jsonType(literal), const: literal };
    if (this.checker.isTupleType(type)) return this.tuple(type as ts.TypeReference, depth);
    if (this.checker.isArrayType(type)) return this.array(type as ts.TypeReference, depth);
    if (type.isIntersection()) {
      // A branded primitive (`string & { __brand: ... }`) is the primitive.
      const branded = type.types.find((t) => primitiveName(t) || literalValue(this.checker, t) !== undefined);
      return branded ? this.schemaOf(branded, depth) : this.objectOf(type, depth);
    }
    if (f & F.Object) return this.object(type, depth);
    return {};
  }

  private union(members: readonly ts.Type[], depth: number): JsonSchema {
    const kept = members.filter((t) => !(t.flags & (F.Undefined | F.Void | F.Never)) && !isOverwrite(t));
    if (kept.some((t) => t.flags & (F.Any | F.Unknown))) return {};
    // A channel that takes messages in any of LangChain's forms (MessagesAnnotation's `Messages`:
    // a message, a list, a string, a [role, content] pair...) is described as the list it keeps.
    const messageList = kept.find((t) => this.checker.isArrayType(t) && mentionsMessage(this.checker, this.checker.getTypeArguments(t as ts.TypeReference)[0]));
    if (messageList) return { type: "array", items: this.schemaOf(messageBase(this.checker, messageList), depth + 1), langgraph_type: "messages" };
    const types = new Set<string>();
    const literals: Literal[] = [];
    const others: JsonSchema[] = [];
    for (const t of kept) {
      const primitive = primitiveName(t);
      const literal = literalValue(this.checker, t);
      if (primitive) types.add(primitive);
      else if (literal !== undefined) literals.push(literal);
      else others.push(this.schemaOf(t, depth));
    }
    // `boolean` is `true | false` to the checker.
    if (literals.includes(true) && literals.includes(false)) {
      types.add("boolean");
      literals.splice(0, literals.length, ...literals.filter((l) => typeof l !== "boolean"));
    }
    const choices = [...dedupe(others), ...scalarSchemas(types, literals.filter((l) => !types.has(jsonType(l))))];
    return choices.length === 0 ? {} : choices.length === 1 ? choices[0] : { anyOf: choices };
  }

  private array(type: ts.TypeReference, depth: number): JsonSchema {
    const [element] = this.checker.getTypeArguments(type);
    const messages = element && isLangChainMessage(this.checker, element);
    return { type: "array", items: element ? this.schemaOf(element, depth + 1) : {}, ...(messages ? { langgraph_type: "messages" } : {}) };
  }

  private tuple(type: ts.TypeReference, depth: number): JsonSchema {
    const elements = this.checker.getTypeArguments(type);
    const target = type.target as ts.TupleType;
    const rest = target.hasRestElement;
    return {
      type: "array",
      items: elements.map((t) => this.schemaOf(t, depth + 1)),
      minItems: target.minLength,
      ...(rest ? {} : { maxItems: elements.length }),
    };
  }

  private object(type: ts.Type, depth: number): JsonSchema {
    if (isFunction(this.checker, type)) return {};
    if (this.named(type)) {
      // JavaScript's own classes (Date, Map, Promise...) are not described member by member.
      const symbol = type.getSymbol()!;
      const library = symbol.declarations?.some((d) => this.program.isSourceFileDefaultLibrary(d.getSourceFile()));
      if (library) return symbol.name === "Date" ? { type: "string", format: "date-time" } : { type: "object" };
      return this.reference(type, depth);
    }
    if (this.open.has(type)) return {};
    this.open.add(type);
    try {
      return this.objectOf(type, depth);
    } finally {
      this.open.delete(type);
    }
  }

  /** Classes and interfaces are described once, in `definitions`. */
  private named(type: ts.Type): boolean {
    const symbol = type.getSymbol();
    return Boolean(symbol && symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface) && !type.isIntersection());
  }

  private reference(type: ts.Type, depth: number): JsonSchema {
    let name = this.names.get(type);
    if (!name) {
      name = this.uniqueName(definitionName(this.checker, type));
      this.names.set(type, name);
      // Taken before it is described: a type that refers to itself finds its name.
      this.definitions.set(name, {});
      this.definitions.set(name, this.definition(type, depth));
    }
    return { $ref: `#/definitions/${name}` };
  }

  private definition(type: ts.Type, depth: number): JsonSchema {
    const symbol = type.getSymbol()!;
    const description = documentation(this.checker, symbol);
    const described = description ? { description } : {};
    const subclasses = isAbstractClass(symbol) ? this.subclasses.of(definitionName(this.checker, type)) : [];
    // What an abstract class's value can be: one of its subclasses (upstream's reading, kept).
    if (subclasses.length > 0) return { ...described, oneOf: subclasses.map((t) => this.schemaOf(t, depth + 1)) };
    return { ...described, ...this.objectOf(type, depth) };
  }

  private objectOf(type: ts.Type, depth: number): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const property of this.checker.getPropertiesOfType(type)) {
      if (!isData(property)) continue;
      const propertyType = this.checker.getTypeOfSymbol(property);
      if (isFunction(this.checker, this.checker.getNonNullableType(propertyType))) continue;
      properties[property.name] = this.propertySchema(property, propertyType, depth);
    }
    const index = this.checker.getIndexInfosOfType(type).find((i) => i.keyType.flags & F.String);
    const rest = index ? this.schemaOf(index.type, depth + 1) : undefined;
    return {
      type: "object",
      ...(Object.keys(properties).length > 0 ? { properties } : {}),
      ...(rest && Object.keys(rest).length > 0 ? { additionalProperties: rest } : {}),
    };
  }

  private uniqueName(name: string): string {
    let unique = name;
    for (let n = 2; this.definitions.has(unique); n++) unique = `${name}_${n}`;
    return unique;
  }
}

/**
 * How a class or interface is named in `definitions`: as TypeScript prints it fully qualified
 * (`ContentBlock.Text`: namespaces kept), without module paths or spaces.
 */
export function definitionName(checker: ts.TypeChecker, type: ts.Type): string {
  return checker
    .typeToString(type, undefined, ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType)
    .replace(/(import\([^()]*\)|"[^"]*")\./g, "")
    .replace(/\s+/g, "");
}

function dedupe(schemas: JsonSchema[]): JsonSchema[] {
  const seen = new Set<string>();
  return schemas.filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isFunction(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.every((t) => isFunction(checker, t));
  return (type.getCallSignatures().length > 0 || type.getConstructSignatures().length > 0) && checker.getPropertiesOfType(type).every((p) => p.flags & ts.SymbolFlags.Prototype || p.name === "prototype");
}

const NOT_DATA = ts.SymbolFlags.Method | ts.SymbolFlags.GetAccessor | ts.SymbolFlags.SetAccessor | ts.SymbolFlags.Prototype;

function isData(property: ts.Symbol): boolean {
  if (property.flags & NOT_DATA) return false;
  if (/^(_|#|__@)/.test(property.name)) return false;
  const hidden = ts.ModifierFlags.Private | ts.ModifierFlags.Protected;
  return !property.declarations?.some((d) => ts.getCombinedModifierFlags(d as ts.Declaration) & hidden);
}

function isAbstractClass(symbol: ts.Symbol): boolean {
  return Boolean(symbol.declarations?.some((d) => ts.isClassDeclaration(d) && ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Abstract));
}
