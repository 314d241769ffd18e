/**
 * The store's SQL, kept apart from the code that calls it. Every statement is scoped to a tenant ($1).
 * An auth handler's filter (a `jsonb` each item's value, with its `namespace` and `key`, must contain;
 * null: none) is the parameter named `visible` below.
 */

const ITEM_COLUMNS = "namespace, key, value, created_at, updated_at";

/** What an auth filter is matched against: the value, with the item's namespace and key over it (as upstream). */
export const itemMetadata = (t: string) => `(${t}.value || jsonb_build_object('namespace', to_jsonb(${t}.namespace), 'key', ${t}.key))`;

export const SELECT_ITEM = `
  SELECT ${ITEM_COLUMNS} FROM store_items WHERE tenant_id = $1 AND namespace = $2 AND key = $3`;

/**
 * Creates or replaces an item, dropping the vectors of what it held; no row when the item exists and
 * `visible` ($5) hides it. Each update moves updated_at forward by at least a millisecond (what a
 * client's clock shows), so two puts in one millisecond still read as ordered.
 */
export const UPSERT_ITEM = `
  WITH put AS (
    INSERT INTO store_items AS s (tenant_id, namespace, key, value) VALUES ($1, $2, $3, $4)
    ON CONFLICT (tenant_id, namespace, key) DO UPDATE
      SET value = EXCLUDED.value, updated_at = greatest(clock_timestamp(), s.updated_at + interval '1 millisecond')
      WHERE $5::jsonb IS NULL OR ${itemMetadata("s")} @> $5::jsonb
    RETURNING 1
  ), stale AS (
    DELETE FROM store_vectors WHERE tenant_id = $1 AND namespace = $2 AND key = $3 AND EXISTS (SELECT 1 FROM put)
  )
  SELECT 1 FROM put`;

/** Deletes an item, unless `visible` ($4) hides it; its vectors go with it. */
export const DELETE_ITEM = `
  DELETE FROM store_items s WHERE tenant_id = $1 AND namespace = $2 AND key = $3
    AND ($4::jsonb IS NULL OR ${itemMetadata("s")} @> $4::jsonb)
  RETURNING 1`;

/** Inserts an item's vectors: fields ($4) and embeddings ($5, a JSON array of arrays), pairwise. */
export const INSERT_VECTORS = `
  INSERT INTO store_vectors (tenant_id, namespace, key, field, embedding)
  SELECT $1, $2, $3, ($4::text[])[e.i], ARRAY(SELECT x::real FROM jsonb_array_elements_text(e.embedding) x)
  FROM jsonb_array_elements($5::jsonb) WITH ORDINALITY AS e(embedding, i)`;

/**
 * Items under a namespace prefix ($2; empty: all), newest first, with a filter's conditions added
 * where `%FILTER%` stands. `$3` is `visible`; the filter's own parameters come after `$5`.
 */
export const SEARCH_ITEMS = `
  SELECT ${ITEM_COLUMNS}, NULL::float8 AS score FROM store_items s
  WHERE tenant_id = $1 AND namespace[1:cardinality($2::text[])] = $2::text[]
    AND ($3::jsonb IS NULL OR ${itemMetadata("s")} @> $3::jsonb)
    AND %FILTER%
  ORDER BY updated_at DESC, namespace, key
  LIMIT $4 OFFSET $5`;

/**
 * The same, nearest to a query's embedding ($6, pgvector's text form, of $7 dimensions) first by
 * cosine similarity over each item's fields (its best field counts); items without vectors follow,
 * newest first. An exact search: every matching item of the tenant is compared.
 */
export const SEARCH_ITEMS_BY_VECTOR = `
  SELECT ${ITEM_COLUMNS}, (
      SELECT max(NULLIF(1 - (v.embedding::vector <=> $6::vector), 'NaN')) FROM store_vectors v
      WHERE v.tenant_id = s.tenant_id AND v.namespace = s.namespace AND v.key = s.key AND cardinality(v.embedding) = $7
    ) AS score
  FROM store_items s
  WHERE tenant_id = $1 AND namespace[1:cardinality($2::text[])] = $2::text[]
    AND ($3::jsonb IS NULL OR ${itemMetadata("s")} @> $3::jsonb)
    AND %FILTER%
  ORDER BY score DESC NULLS LAST, updated_at DESC, namespace, key
  LIMIT $4 OFFSET $5`;

// A pattern ($n: labels, "*" any label) matches where each of its labels matches, from the start
// (prefix) or the end (suffix) of the namespace.
const matches = (pattern: string, from: "start" | "end") => `(${pattern}::text[] IS NULL OR (
    cardinality(namespace) >= cardinality(${pattern}::text[]) AND NOT EXISTS (
      SELECT 1 FROM unnest(${pattern}::text[]) WITH ORDINALITY AS p(label, i)
      WHERE p.label <> '*' AND p.label IS DISTINCT FROM namespace[${from === "start" ? "p.i" : `cardinality(namespace) - cardinality(${pattern}::text[]) + p.i`}])))`;

/**
 * The tenant's namespaces matching a prefix ($2) and a suffix ($3), cut to `max_depth` labels ($4)
 * and so counted once, in order. `$5` is `visible`, matched against the namespace alone.
 */
export const LIST_NAMESPACES = `
  SELECT DISTINCT CASE WHEN $4::int IS NULL THEN namespace ELSE namespace[1:$4::int] END AS namespace
  FROM store_items
  WHERE tenant_id = $1 AND ${matches("$2", "start")} AND ${matches("$3", "end")}
    AND ($5::jsonb IS NULL OR jsonb_build_object('namespace', to_jsonb(namespace)) @> $5::jsonb)
  ORDER BY namespace
  LIMIT $6 OFFSET $7`;

export const DELETE_TENANT_ITEMS = `DELETE FROM store_items WHERE tenant_id = $1`;
