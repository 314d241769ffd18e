import type pg from "pg";
import { inTransaction } from "../db/queryable.js";
import { type StoreFilter, filterSql } from "./store-filter.js";
import { embedChecked, noVectorSearch, type SemanticIndex, textsToEmbed } from "./semantic-index.js";
import * as sql from "./store-sql.js";

/** An item as LangGraph's stores give it (a search by meaning adds its `score`). */
export interface StoredItem {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  score?: number;
}

/** Metadata (value, namespace and key) an item must contain to be seen: an auth handler's filter. */
export type Visible = Record<string, unknown> | undefined;

export interface SearchOptions {
  /** Labels every namespace found starts with; empty: every namespace. */
  prefix: string[];
  filter?: StoreFilter;
  limit: number;
  offset: number;
  /** Nearest in meaning first (with `store.index`); without an index it changes nothing, as upstream. */
  query?: string;
  visible?: Visible;
}

export interface ListOptions {
  /** Labels a namespace starts (ends) with; "*" matches any label. */
  prefix?: string[];
  suffix?: string[];
  maxDepth?: number;
  limit: number;
  offset: number;
  visible?: Visible;
}

interface ItemRow {
  namespace: string[];
  key: string;
  value: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  score: number | null;
}

/** The `store_items` and `store_vectors` tables. Every call names its tenant: another tenant's items do not exist. */
export class StoreRepository {
  constructor(
    private readonly pool: pg.Pool,
    readonly index?: SemanticIndex,
  ) {}

  async get(tenantId: string, namespace: string[], key: string): Promise<StoredItem | null> {
    const { rows } = await this.pool.query<ItemRow>(sql.SELECT_ITEM, [tenantId, namespace, key]);
    return rows[0] ? toItem(rows[0]) : null;
  }

  /**
   * Creates or replaces an item, embedding its indexed fields (`fields`: the put's own, none, or the
   * index's) first, before any connection is taken. False if it exists and `visible` hides it.
   */
  async put(tenantId: string, namespace: string[], key: string, value: Record<string, unknown>, options: { fields?: false | string[] | null; visible?: Visible } = {}): Promise<boolean> {
    const address = [tenantId, namespace, key];
    const put = [...address, value, json(options.visible)];
    const index = this.index?.vectors ? this.index : undefined;
    const texts = index ? textsToEmbed(index, value, options.fields) : [];
    if (texts.length === 0) return (await this.pool.query(sql.UPSERT_ITEM, put)).rowCount === 1;
    const vectors = await embedChecked(index!, texts.map((t) => t.text));
    return inTransaction(this.pool, async (client) => {
      if ((await client.query(sql.UPSERT_ITEM, put)).rowCount !== 1) return false;
      await client.query(sql.INSERT_VECTORS, [...address, texts.map((t) => t.field), JSON.stringify(vectors)]);
      return true;
    });
  }

  /** Deletes an item; false if there was none the caller may see. */
  async delete(tenantId: string, namespace: string[], key: string, visible?: Visible): Promise<boolean> {
    return (await this.pool.query(sql.DELETE_ITEM, [tenantId, namespace, key, json(visible)])).rowCount === 1;
  }

  async search(tenantId: string, options: SearchOptions): Promise<StoredItem[]> {
    const params: unknown[] = [tenantId, options.prefix, json(options.visible), options.limit, options.offset];
    let text = sql.SEARCH_ITEMS;
    if (options.query !== undefined && this.index) {
      if (!this.index.vectors) throw noVectorSearch();
      const [vector] = await embedChecked(this.index, [options.query]);
      params.push(`[${vector!.join(",")}]`, this.index.dims);
      text = sql.SEARCH_ITEMS_BY_VECTOR;
    }
    const { rows } = await this.pool.query<ItemRow>(text.replace("%FILTER%", filterSql(options.filter, params, "s")), params);
    return rows.map(toItem);
  }

  async listNamespaces(tenantId: string, options: ListOptions): Promise<string[][]> {
    const { rows } = await this.pool.query<{ namespace: string[] }>(sql.LIST_NAMESPACES, [
      tenantId, options.prefix?.length ? options.prefix : null, options.suffix?.length ? options.suffix : null,
      options.maxDepth ?? null, json(options.visible), options.limit, options.offset,
    ]);
    return rows.map((r) => r.namespace);
  }

  /** Empties the tenant's store. */
  async clear(tenantId: string): Promise<void> {
    await this.pool.query(sql.DELETE_TENANT_ITEMS, [tenantId]);
  }
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

function toItem(r: ItemRow): StoredItem {
  return {
    namespace: r.namespace, key: r.key, value: r.value, createdAt: r.created_at, updatedAt: r.updated_at,
    ...(r.score === null ? {} : { score: r.score }),
  };
}
