import { AppError } from "../errors.js";
import { fieldTexts } from "./field-texts.js";
import type { Embed } from "./openai-embedder.js";

/** `store.index` of langgraph.json, read: how items are embedded and searched by meaning. */
export interface SemanticIndex {
  embed: Embed;
  dims: number;
  /** The fields embedded when a put names none (default `["$"]`, the whole value). */
  fields: string[];
  /**
   * Whether the database can compare vectors (pgvector's `vector` type is there). Without it items
   * are not embedded, and a search with a `query` is refused with `noVectorSearch`.
   */
  vectors: boolean;
}

/** An item's texts to embed: the put's own fields, none (`false`), or the index's. */
export function textsToEmbed(index: SemanticIndex, value: Record<string, unknown>, fields?: false | string[] | null): { field: string; text: string }[] {
  if (fields === false) return [];
  const seen = new Set<string>();
  return (fields ?? index.fields).flatMap((path) => fieldTexts(value, path)).filter((t) => !seen.has(t.field) && seen.add(t.field));
}

/** Embeds texts, checking each vector has the index's dimensions (another model answering would not). */
export async function embedChecked(index: SemanticIndex, texts: string[]): Promise<number[][]> {
  if (texts.length === 0) return [];
  const vectors = await index.embed(texts);
  const wrong = vectors.find((v) => v.length !== index.dims);
  if (wrong) {
    throw new AppError("unavailable", `The embedding model answered vectors of ${wrong.length} dimensions; store.index.dims in langgraph.json says ${index.dims}.`);
  }
  return vectors;
}

/** The refusal of a search by meaning where the database cannot do one. */
export function noVectorSearch(): AppError {
  const reason = "semantic search needs the pgvector extension, which this PostgreSQL server does not have (install it, then CREATE EXTENSION vector, and restart); search without a query meanwhile";
  return new AppError("invalid_request", `Invalid store request: query: ${reason}`, { fields: [{ name: "query", reason }] });
}
