import ts from "typescript";
import type { JsonSchema } from "./graph-schema.js";

/** A symbol's JSDoc text: its `description`. */
export function documentation(checker: ts.TypeChecker, symbol: ts.Symbol): string | undefined {
  const text = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  return text || undefined;
}

/** JSON Schema keywords a property's JSDoc may give, as typescript-json-schema reads them: `@minimum 0`, `@type integer`. */
const KEYWORD_TAGS = new Set([
  "type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength", "pattern",
  "format", "minItems", "maxItems", "uniqueItems", "default", "examples", "title", "deprecated",
]);

export function keywordTags(checker: ts.TypeChecker, symbol: ts.Symbol): JsonSchema {
  const keywords: JsonSchema = {};
  for (const tag of symbol.getJsDocTags(checker)) {
    if (!KEYWORD_TAGS.has(tag.name)) continue;
    const text = ts.displayPartsToString(tag.text).trim();
    keywords[tag.name] = text === "" ? true : parseTagValue(text);
  }
  return keywords;
}

/** A tag's value as JSON when it is JSON (`2`, `true`, `["a"]`), else the text (`integer`, `^a+$`). */
function parseTagValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
