/** The assistants' SQL, kept apart from the code that calls it. Every query is scoped to a tenant. */

const ASSISTANT_COLUMNS = `assistant_id, tenant_id, graph_id, name, description, config, metadata, version,
  created_at, updated_at, created_at::text AS cursor_at`;

/**
 * Creates the assistant and its version 1 in one statement; no row if the tenant has one with this
 * id. Ids are per tenant (migration 0010): another tenant's assistant never decides the answer.
 */
export const INSERT_ASSISTANT = `
  WITH created AS (
    INSERT INTO assistants (assistant_id, tenant_id, graph_id, name, description, config, metadata)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (tenant_id, assistant_id) DO NOTHING
    RETURNING ${ASSISTANT_COLUMNS}
  ), first_version AS (
    INSERT INTO assistant_versions (tenant_id, assistant_id, version, graph_id, name, config, created_at)
    SELECT tenant_id, assistant_id, version, graph_id, name, config, created_at FROM created
  )
  SELECT * FROM created`;

export const SELECT_ASSISTANT = `
  SELECT ${ASSISTANT_COLUMNS} FROM assistants WHERE assistant_id = $1 AND tenant_id = $2`;

/** The row an update starts from, locked so that concurrent updates take turns and number versions in order. */
export const SELECT_ASSISTANT_FOR_UPDATE = `${SELECT_ASSISTANT} FOR UPDATE`;

// Keyset pagination on (created_at, assistant_id), newest first: creation order never changes, so
// an update during paging neither skips nor repeats an assistant.
// $5: metadata each must contain (an auth handler's filter; null: none).
export const LIST_ASSISTANTS = `
  SELECT ${ASSISTANT_COLUMNS} FROM assistants
  WHERE tenant_id = $1
    AND ($2::timestamptz IS NULL OR (created_at, assistant_id) < ($2::timestamptz, $3::uuid))
    AND ($5::jsonb IS NULL OR metadata @> $5::jsonb)
  ORDER BY created_at DESC, assistant_id DESC
  LIMIT $4`;

/** Writes the next version: the row moves to it and the version is kept beside the others. */
export const UPDATE_ASSISTANT = `
  WITH updated AS (
    UPDATE assistants SET name = $3, description = $4, config = $5, metadata = $6, version = version + 1, updated_at = now()
    WHERE assistant_id = $1 AND tenant_id = $2
    RETURNING ${ASSISTANT_COLUMNS}
  ), next_version AS (
    INSERT INTO assistant_versions (tenant_id, assistant_id, version, graph_id, name, config, created_at)
    SELECT tenant_id, assistant_id, version, graph_id, name, config, updated_at FROM updated
  )
  SELECT * FROM updated`;

export const LIST_VERSIONS = `
  SELECT assistant_id, version, graph_id, name, config, created_at
  FROM assistant_versions
  WHERE assistant_id = $1 AND tenant_id = $2 AND ($3::int IS NULL OR version < $3)
  ORDER BY version DESC
  LIMIT $4`;

/** $3: metadata the assistant must contain (an auth handler's filter; null: none). */
export const DELETE_ASSISTANT = `DELETE FROM assistants WHERE assistant_id = $1 AND tenant_id = $2 AND ($3::jsonb IS NULL OR metadata @> $3::jsonb)`;
