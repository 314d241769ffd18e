/** The assistants' SQL, kept apart from the code that calls it. Every query is scoped to a tenant. */

const assistantColumns = (t = "") => `${t}assistant_id, ${t}tenant_id, ${t}graph_id, ${t}name, ${t}description, ${t}config,
  ${t}context, ${t}metadata, ${t}version, ${t}created_at, ${t}updated_at, ${t}created_at::text AS cursor_at`;
const ASSISTANT_COLUMNS = assistantColumns();

const VERSION_COLUMNS = "tenant_id, assistant_id, version, graph_id, name, description, config, context, metadata";

/**
 * Creates the assistant and its version 1 in one statement; no row if the tenant has one with this
 * id. Ids are per tenant (migration 0010): another tenant's assistant never decides the answer.
 */
export const INSERT_ASSISTANT = `
  WITH created AS (
    INSERT INTO assistants (assistant_id, tenant_id, graph_id, name, description, config, context, metadata)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (tenant_id, assistant_id) DO NOTHING
    RETURNING ${ASSISTANT_COLUMNS}
  ), first_version AS (
    INSERT INTO assistant_versions (${VERSION_COLUMNS}, created_at)
    SELECT ${VERSION_COLUMNS}, created_at FROM created
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

/**
 * Writes a new version, numbered after the newest (the row is locked by the caller): the row moves
 * to it and the version is kept beside the others.
 */
export const UPDATE_ASSISTANT = `
  WITH updated AS (
    UPDATE assistants SET name = $3, description = $4, config = $5, context = $6, metadata = $7, updated_at = now(),
      version = (SELECT max(version) + 1 FROM assistant_versions WHERE tenant_id = $2 AND assistant_id = $1)
    WHERE assistant_id = $1 AND tenant_id = $2
    RETURNING ${ASSISTANT_COLUMNS}
  ), next_version AS (
    INSERT INTO assistant_versions (${VERSION_COLUMNS}, created_at)
    SELECT ${VERSION_COLUMNS}, updated_at FROM updated
  )
  SELECT * FROM updated`;

/** The assistant as version $3 was; no row if either is missing. */
export const SET_LATEST_VERSION = `
  UPDATE assistants a SET name = v.name, description = v.description, config = v.config, context = v.context,
    metadata = v.metadata, version = v.version, updated_at = now()
  FROM assistant_versions v
  WHERE a.assistant_id = $1 AND a.tenant_id = $2 AND v.tenant_id = a.tenant_id AND v.assistant_id = a.assistant_id AND v.version = $3
  RETURNING ${assistantColumns("a.")}`;

export const LIST_VERSIONS = `
  SELECT assistant_id, version, graph_id, name, description, config, context, metadata, created_at
  FROM assistant_versions
  WHERE assistant_id = $1 AND tenant_id = $2 AND ($3::int IS NULL OR version < $3)
  ORDER BY version DESC
  LIMIT $4`;

/** $3: metadata the assistant must contain (an auth handler's filter; null: none). */
export const DELETE_ASSISTANT = `DELETE FROM assistants WHERE assistant_id = $1 AND tenant_id = $2 AND ($3::jsonb IS NULL OR metadata @> $3::jsonb)`;
