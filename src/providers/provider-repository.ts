import { randomUUID } from "node:crypto";
import type pg from "pg";
import { inTransaction } from "../db/queryable.js";
import { AppError } from "../errors.js";
import { openSecrets, type StoredSecrets, withSecrets } from "./provider-secrets.js";
import * as sql from "./provider-sql.js";
import type { SecretBox } from "./secret-box.js";

export type ProviderKind = "openai-compatible";

/** A provider as reads show it: never its key or its headers' values. */
export interface Provider {
  providerId: string;
  tenantId: string;
  name: string;
  kind: ProviderKind;
  baseUrl: string;
  defaultModel: string | null;
  timeoutMs: number;
  /** Whether a key is stored, and its last 4 characters (null for a key too short to show part of). */
  apiKey: { set: boolean; last4: string | null };
  /** The extra headers' names, sorted; their values are secret. */
  headerNames: string[];
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

/** What a create writes. `apiKey` and `headers` are sealed before they are stored. */
export interface NewProvider {
  name: string;
  kind?: ProviderKind;
  baseUrl: string;
  apiKey?: string | null;
  defaultModel?: string | null;
  headers?: Record<string, string>;
  timeoutMs?: number;
  metadata?: Record<string, unknown>;
}

/** What an update changes: undefined keeps a field; `apiKey: null` removes the key; `headers` replaces them all. */
export type ProviderChange = Partial<NewProvider>;

/** Decrypted, in memory only: never logged, never serialised, never put in a run's config. */
export interface ProviderConnection {
  providerId: string;
  tenantId: string;
  kind: ProviderKind;
  baseUrl: string;
  apiKey: string | undefined;
  headers: Record<string, string>;
  defaultModel: string | undefined;
  timeoutMs: number;
  updatedAt: Date;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
/** Shorter keys show no part of themselves: 4 characters of 8 would be half the key. */
const MIN_KEY_LENGTH_FOR_LAST4 = 12;

/** The `providers` table, scoped to a tenant: another tenant's provider does not exist. */
export class ProviderRepository {
  constructor(private readonly pool: pg.Pool, private readonly box: SecretBox) {}

  async create(tenantId: string, fields: NewProvider): Promise<Provider> {
    const providerId = randomUUID();
    const secrets = withSecrets(this.box, { tenantId, providerId }, {}, fields);
    const { rows } = await this.pool
      .query(sql.INSERT_PROVIDER, [
        providerId, tenantId, fields.name, fields.kind ?? "openai-compatible", fields.baseUrl, fields.defaultModel ?? null,
        fields.timeoutMs ?? DEFAULT_TIMEOUT_MS, last4(fields.apiKey), secrets, fields.metadata ?? {},
      ])
      .catch(duplicateName(fields.name));
    return toProvider(rows[0]);
  }

  async get(tenantId: string, providerId: string): Promise<Provider | undefined> {
    const { rows } = await this.pool.query(sql.SELECT_PROVIDER, [providerId, tenantId]);
    return rows[0] ? toProvider(rows[0]) : undefined;
  }

  /** All of the tenant's providers, by name. */
  async list(tenantId: string): Promise<Provider[]> {
    const { rows } = await this.pool.query(sql.LIST_PROVIDERS, [tenantId]);
    return rows.map(toProvider);
  }

  /** Undefined if there is no such provider. Secrets not changed stay sealed as they are. */
  async update(tenantId: string, providerId: string, change: ProviderChange): Promise<Provider | undefined> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query(sql.SELECT_PROVIDER_FOR_UPDATE, [providerId, tenantId]);
      const row = rows[0];
      if (!row) return undefined;
      const secrets = withSecrets(this.box, { tenantId, providerId }, row.secrets as StoredSecrets, change);
      const updated = await client
        .query(sql.UPDATE_PROVIDER, [
          providerId, tenantId, change.name ?? row.name, change.kind ?? row.kind, change.baseUrl ?? row.base_url,
          change.defaultModel === undefined ? row.default_model : change.defaultModel, change.timeoutMs ?? row.timeout_ms,
          change.apiKey === undefined ? row.api_key_last4 : last4(change.apiKey), secrets, change.metadata ?? row.metadata,
        ])
        .catch(duplicateName(change.name ?? row.name));
      return toProvider(updated.rows[0]);
    });
  }

  /**
   * Deletes it; false if there is no such provider. Refused (provider_in_use) while an assistant's
   * current version names it; the problem lists them.
   */
  async remove(tenantId: string, providerId: string): Promise<boolean> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query(sql.SELECT_PROVIDER_FOR_UPDATE, [providerId, tenantId]);
      if (!rows[0]) return false;
      const users = await usedBy(client, tenantId, providerId);
      if (users.length > 0) {
        const named = users.map((a) => `"${a.name}" (${a.assistantId})`).join(", ");
        throw new AppError("provider_in_use", `Provider "${rows[0].name}" is used by ${users.length === 1 ? "assistant" : "assistants"} ${named}: move them to another provider or delete them first.`, {
          assistants: users.map((a) => ({ assistant_id: a.assistantId, name: a.name })),
        });
      }
      await client.query(sql.DELETE_PROVIDER, [providerId, tenantId]);
      return true;
    });
  }

  /** The provider with its secrets opened, for a model call; undefined if there is no such provider. */
  async connection(tenantId: string, providerId: string): Promise<ProviderConnection | undefined> {
    const { rows } = await this.pool.query(sql.SELECT_PROVIDER, [providerId, tenantId]);
    const row = rows[0];
    if (!row) return undefined;
    const { apiKey, headers } = openSecrets(this.box, { tenantId, providerId, name: row.name }, row.secrets as StoredSecrets);
    return {
      providerId, tenantId, kind: row.kind, baseUrl: row.base_url, apiKey, headers,
      defaultModel: row.default_model ?? undefined, timeoutMs: row.timeout_ms, updatedAt: row.updated_at,
    };
  }

  /** The tenant's assistants whose current version names the provider, by name. */
  async usedBy(tenantId: string, providerId: string): Promise<{ assistantId: string; name: string }[]> {
    return usedBy(this.pool, tenantId, providerId);
  }
}

async function usedBy(db: pg.Pool | pg.PoolClient, tenantId: string, providerId: string) {
  const { rows } = await db.query(sql.ASSISTANTS_USING, [tenantId, providerId]);
  return rows.map((r) => ({ assistantId: r.assistant_id as string, name: r.name as string }));
}

function last4(apiKey: string | null | undefined): string | null {
  return apiKey && apiKey.length >= MIN_KEY_LENGTH_FOR_LAST4 ? apiKey.slice(-4) : null;
}

/** A unique violation on (tenant_id, name) as the 409 it is; anything else as it was. */
const duplicateName = (name: string) => (err: unknown): never => {
  if ((err as { code?: string; constraint?: string }).constraint === "providers_tenant_name") {
    throw new AppError("conflict", `A provider named "${name}" already exists; choose another name.`, { fields: [{ name: "name", reason: "already used by another provider" }] });
  }
  throw err;
};

function toProvider(r: Record<string, any>): Provider {
  const secrets = r.secrets as StoredSecrets;
  return {
    providerId: r.provider_id, tenantId: r.tenant_id, name: r.name, kind: r.kind, baseUrl: r.base_url, defaultModel: r.default_model,
    timeoutMs: r.timeout_ms, apiKey: { set: Boolean(secrets.api_key), last4: secrets.api_key ? r.api_key_last4 : null },
    headerNames: Object.keys(secrets.headers ?? {}).sort(), metadata: r.metadata, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
