import { randomUUID } from "node:crypto";
import type pg from "pg";
import { castFailureToMalformed, decodeCursor, encodeCursor, malformedCursor } from "../db/keyset-cursor.js";
import { inTransaction } from "../db/queryable.js";
import type { AssistantConfig, JsonObject } from "./assistant-config.js";
import * as sql from "./assistant-sql.js";

export interface Assistant {
  assistantId: string;
  tenantId: string;
  graphId: string;
  name: string;
  description: string | null;
  config: AssistantConfig;
  context: JsonObject;
  metadata: JsonObject;
  /** The version that answers now: the newest, unless an older one was made the latest. */
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One version: all of what the assistant was then, except its graph, which never changes. */
export interface AssistantVersion {
  assistantId: string;
  version: number;
  graphId: string;
  name: string;
  description: string | null;
  config: AssistantConfig;
  context: JsonObject;
  metadata: JsonObject;
  createdAt: Date;
}

/** What a create or an update writes; the graph is chosen once, at creation. */
export type AssistantFields = Pick<Assistant, "name" | "description" | "config" | "context" | "metadata">;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The `assistants` and `assistant_versions` tables, scoped to a tenant: another tenant's assistant does not exist. */
export class AssistantRepository {
  constructor(private readonly pool: pg.Pool) {}

  async create(tenantId: string, graphId: string, fields: AssistantFields): Promise<Assistant> {
    const created = await this.createWithId(tenantId, randomUUID(), graphId, fields);
    if (!created) throw new Error("a random assistant id collided");
    return created;
  }

  /**
   * Creates the assistant under an id the client chose. Null if the tenant already has an assistant
   * with that id; ids are per tenant, so another tenant's never makes a difference.
   */
  async createWithId(tenantId: string, assistantId: string, graphId: string, fields: AssistantFields): Promise<Assistant | null> {
    const { rows } = await this.pool.query(sql.INSERT_ASSISTANT, [
      assistantId, tenantId, graphId, fields.name, fields.description, fields.config, fields.context, fields.metadata,
    ]);
    return rows[0] ? toAssistant(rows[0]) : null;
  }

  async find(tenantId: string, assistantId: string): Promise<Assistant | null> {
    const { rows } = await this.pool.query(sql.SELECT_ASSISTANT, [assistantId, tenantId]);
    return rows[0] ? toAssistant(rows[0]) : null;
  }

  /** A page of the tenant's assistants, newest first; with `visible`, only those whose metadata contains it. */
  async list(tenantId: string, options: { limit: number; cursor?: string; visible?: Record<string, unknown> }): Promise<Page<Assistant>> {
    const [at, id] = options.cursor ? decodeCursor(options.cursor) : [null, null];
    const visible = options.visible === undefined ? null : JSON.stringify(options.visible);
    const { rows } = await this.pool.query(sql.LIST_ASSISTANTS, [tenantId, at, id, options.limit + 1, visible]).catch(castFailureToMalformed);
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items: items.map(toAssistant),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.cursor_at, last.assistant_id) : null,
    };
  }

  /**
   * Writes a new version from the current one, which `change` sees locked: two updates at once take
   * turns, so neither is lost and versions count up without gaps. It is numbered after the newest
   * version, even when an older one answers now. Null if there is no such assistant.
   */
  async update(tenantId: string, assistantId: string, change: (current: Assistant) => AssistantFields): Promise<Assistant | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query(sql.SELECT_ASSISTANT_FOR_UPDATE, [assistantId, tenantId]);
      if (!rows[0]) return null;
      const next = change(toAssistant(rows[0]));
      const updated = await client.query(sql.UPDATE_ASSISTANT, [assistantId, tenantId, next.name, next.description, next.config, next.context, next.metadata]);
      return toAssistant(updated.rows[0]);
    });
  }

  /**
   * Makes a stored version the one that answers (its name, description, config, context and
   * metadata); later updates still number after the newest. Says which is missing otherwise.
   */
  async setLatest(tenantId: string, assistantId: string, version: number): Promise<Assistant | "no_assistant" | "no_version"> {
    const { rows } = await this.pool.query(sql.SET_LATEST_VERSION, [assistantId, tenantId, version]);
    if (rows[0]) return toAssistant(rows[0]);
    return (await this.find(tenantId, assistantId)) ? "no_version" : "no_assistant";
  }

  /** Versions newest first, a page at a time (the cursor is the last version seen). Null if there is no such assistant. */
  async versions(tenantId: string, assistantId: string, options: { limit: number; cursor?: string }): Promise<Page<AssistantVersion> | null> {
    const before = options.cursor === undefined ? null : decodeVersionCursor(options.cursor);
    const { rows } = await this.pool.query(sql.LIST_VERSIONS, [assistantId, tenantId, before, options.limit + 1]);
    if (rows.length === 0 && !(await this.find(tenantId, assistantId))) return null;
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return { items: items.map(toVersion), nextCursor: rows.length > options.limit && last ? String(last.version) : null };
  }

  /** Deletes it (if its metadata contains `visible`, when given); false when there is no such assistant. */
  async delete(tenantId: string, assistantId: string, visible?: Record<string, unknown>): Promise<boolean> {
    const { rowCount } = await this.pool.query(sql.DELETE_ASSISTANT, [assistantId, tenantId, visible === undefined ? null : JSON.stringify(visible)]);
    return (rowCount ?? 0) > 0;
  }
}

function decodeVersionCursor(cursor: string): number {
  if (!/^[1-9]\d{0,8}$/.test(cursor)) throw malformedCursor();
  return Number(cursor);
}

function toAssistant(r: Record<string, any>): Assistant {
  return {
    assistantId: r.assistant_id, tenantId: r.tenant_id, graphId: r.graph_id, name: r.name, description: r.description,
    config: r.config, context: r.context, metadata: r.metadata, version: r.version, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toVersion(r: Record<string, any>): AssistantVersion {
  return {
    assistantId: r.assistant_id, version: r.version, graphId: r.graph_id, name: r.name, description: r.description,
    config: r.config, context: r.context, metadata: r.metadata, createdAt: r.created_at,
  };
}
