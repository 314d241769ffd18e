/** The conversation mirror's SQL, kept apart from the code that calls it. */
import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";


const THREAD_COLUMNS = `thread_id, tenant_id, user_id, graph_id, assistant_id, title, metadata, status,
  head_checkpoint_id, message_count, created_at, updated_at, updated_at::text AS cursor_at`;

export const SELECT_THREAD = `
  SELECT ${THREAD_COLUMNS} FROM threads WHERE thread_id = $1 AND tenant_id = $2 AND user_id = $3`;

// Keyset pagination on (updated_at, thread_id), newest first. The cursor keeps updated_at as
// text so microseconds survive the round trip through JavaScript.
export const LIST_THREADS = `
  SELECT ${THREAD_COLUMNS} FROM threads
  WHERE tenant_id = $1 AND user_id = $2
    AND ($3::timestamptz IS NULL OR (updated_at, thread_id) < ($3::timestamptz, $4::uuid))
  ORDER BY updated_at DESC, thread_id DESC
  LIMIT $5`;

export const SET_THREAD_STATUS = `UPDATE threads SET status = $2, updated_at = now() WHERE thread_id = $1`;

export const DELETE_THREAD = `DELETE FROM threads WHERE thread_id = $1 AND tenant_id = $2 AND user_id = $3`;

export const SELECT_HEAD_MESSAGES = `
  SELECT message_id, role, content, parts, tool_call_id, name, metadata, input_tokens, output_tokens,
         total_tokens, latency_ms, ttft_ms, model, status, parent_id, checkpoint_id, position, created_at
  FROM messages WHERE thread_id = $1 AND on_head_branch ORDER BY position`;

/**
 * Makes the mirror equal to the head branch of the checkpoint state in one statement: upsert the
 * branch's messages, take every other message off the head branch (kept, never deleted), and
 * update the thread's counters (title from the first user message, once), and close the run ($21,
 * if any) that produced this state: all or nothing.
 */
export const PROJECT_THREAD = `
  WITH input AS (
    SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::int[], $10::int[], $11::int[], $12::int[], $13::int[], $14::text[], $15::text[],
                         $16::text[], $17::int[])
      AS t(message_id, role, content, parts, tool_call_id, name, metadata, input_tokens, output_tokens,
           total_tokens, latency_ms, ttft_ms, model, status, parent_id, position)
  ), upserted AS (
    INSERT INTO messages (thread_id, message_id, role, content, parts, tool_call_id, name, metadata,
                          input_tokens, output_tokens, total_tokens, latency_ms, ttft_ms, model, status,
                          parent_id, position, checkpoint_id, on_head_branch)
    SELECT $1, message_id, role, content, parts::jsonb, tool_call_id, name, metadata::jsonb, input_tokens,
           output_tokens, total_tokens, latency_ms, ttft_ms, model, status, parent_id, position, $18, true
    FROM input
    ON CONFLICT (thread_id, message_id) DO UPDATE SET
      role = excluded.role, content = excluded.content, parts = excluded.parts,
      tool_call_id = excluded.tool_call_id, name = excluded.name, metadata = excluded.metadata,
      input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
      total_tokens = excluded.total_tokens, latency_ms = excluded.latency_ms, ttft_ms = excluded.ttft_ms,
      model = excluded.model, status = excluded.status, parent_id = excluded.parent_id,
      position = excluded.position, on_head_branch = true
    RETURNING 1
  ), off_branch AS (
    UPDATE messages SET on_head_branch = false
    WHERE thread_id = $1 AND on_head_branch AND message_id <> ALL($2::text[])
    RETURNING 1
  ), closed_run AS (
    UPDATE runs SET status = $22, input_tokens = $23, output_tokens = $24, total_tokens = $25, ttft_ms = $26,
                    latency_ms = $27, error = $28, ended_at = now()
    WHERE run_id = $21
    RETURNING 1
  )
  UPDATE threads SET
    message_count = cardinality($2::text[]),
    head_checkpoint_id = $18,
    title = COALESCE(title, $19),
    status = $20,
    updated_at = now()
  WHERE thread_id = $1
  RETURNING (SELECT count(*) FROM upserted) AS upserted, (SELECT count(*) FROM off_branch) AS off_branch,
            (SELECT count(*) FROM closed_run) AS closed_run`;

/** Threads whose mirror is behind their newest checkpoint (the process died before projecting). */
export const SELECT_STALE_THREAD = `
  SELECT t.thread_id, c.checkpoint_id
  FROM threads t
  JOIN LATERAL (
    SELECT checkpoint_id FROM ${CHECKPOINT_SCHEMA}.checkpoints c
    WHERE c.thread_id = t.thread_id::text AND c.checkpoint_ns = ''
    ORDER BY checkpoint_id DESC LIMIT 1
  ) c ON true
  WHERE t.thread_id = ANY($1::uuid[]) AND t.head_checkpoint_id IS DISTINCT FROM c.checkpoint_id`;
