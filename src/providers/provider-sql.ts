/** The providers' SQL, kept apart from the code that calls it. Every query but rotation's is scoped to a tenant. */

const COLUMNS = `provider_id, tenant_id, name, kind, base_url, default_model, timeout_ms, api_key_last4, secrets, metadata, created_at, updated_at`;

export const INSERT_PROVIDER = `
  INSERT INTO providers (provider_id, tenant_id, name, kind, base_url, default_model, timeout_ms, api_key_last4, secrets, metadata)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  RETURNING ${COLUMNS}`;

export const SELECT_PROVIDER = `SELECT ${COLUMNS} FROM providers WHERE provider_id = $1 AND tenant_id = $2`;

/** The row a change starts from, locked: two changes of its secrets at once take turns, neither lost. */
export const SELECT_PROVIDER_FOR_UPDATE = `${SELECT_PROVIDER} FOR UPDATE`;

// A tenant has a few providers: all of them, by name (the unique index's order).
export const LIST_PROVIDERS = `SELECT ${COLUMNS} FROM providers WHERE tenant_id = $1 ORDER BY name, provider_id`;

export const UPDATE_PROVIDER = `
  UPDATE providers SET name = $3, kind = $4, base_url = $5, default_model = $6, timeout_ms = $7, api_key_last4 = $8,
    secrets = $9, metadata = $10, updated_at = now()
  WHERE provider_id = $1 AND tenant_id = $2
  RETURNING ${COLUMNS}`;

export const DELETE_PROVIDER = `DELETE FROM providers WHERE provider_id = $1 AND tenant_id = $2`;

/**
 * The tenant's assistants whose current version (the one that answers, which the assistants row
 * holds) names the provider. Older versions do not count: they answer only if made the latest again.
 */
export const ASSISTANTS_USING = `
  SELECT assistant_id, name FROM assistants
  WHERE tenant_id = $1 AND config -> 'configurable' ->> 'provider_id' = $2
  ORDER BY name, assistant_id`;

/** Rotation: every provider of every tenant that holds a secret, locked until its new seals are written. */
export const SELECT_ALL_SEALED_FOR_UPDATE = `
  SELECT provider_id, tenant_id, name, secrets FROM providers WHERE secrets <> '{}' ORDER BY tenant_id, name FOR UPDATE`;

export const UPDATE_SECRETS = `UPDATE providers SET secrets = $2 WHERE provider_id = $1`;
