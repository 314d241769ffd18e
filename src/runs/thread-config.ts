import type { JsonObject } from "../assistants/assistant-config.js";
import type { Queryable } from "../db/queryable.js";

/** What a thread's graph was last run with: its `configurable` and `context`. */
export interface ThreadConfig {
  configurable: JsonObject;
  context?: JsonObject;
}

/**
 * The config of the thread's newest run: an Agent Server run's own (the assistant's merged under
 * the request's), or else, for a /api/chat run, the stored assistant's version that answered it.
 * A /api/chat run of a graph's defaults has neither (nulls).
 */
const LAST_RUN_CONFIG = `
  SELECT CASE WHEN r.kwargs IS NOT NULL THEN r.kwargs->'config'->'configurable'
              WHEN v.version IS NOT NULL THEN COALESCE(v.config->'configurable', '{}') END AS configurable,
         CASE WHEN r.kwargs IS NOT NULL THEN r.kwargs->'context' ELSE v.context END AS context
  FROM runs r
  LEFT JOIN assistant_versions v
    ON v.tenant_id = r.tenant_id AND v.assistant_id::text = r.assistant_id AND v.version = r.assistant_version
  WHERE r.thread_id = $1
  ORDER BY r.created_at DESC, r.run_id DESC
  LIMIT 1`;

/**
 * What a factory graph is built with to read or update a thread's state, as LangGraph's Agent Server
 * keeps a thread's config: the one its newest run had, so the graph has the nodes that wrote it.
 * Null when that is the graph's defaults (or the thread has had no run).
 */
export async function threadConfig(db: Queryable, threadId: string): Promise<ThreadConfig | null> {
  const { rows } = await db.query(LAST_RUN_CONFIG, [threadId]);
  const row = rows[0] as { configurable: JsonObject | null; context: JsonObject | null } | undefined;
  if (!row?.configurable) return null;
  return { configurable: row.configurable ?? {}, ...(isObject(row.context) ? { context: row.context } : {}) };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
