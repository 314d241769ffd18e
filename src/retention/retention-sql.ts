import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";
import { MESSAGE_REFS } from "../db/message-lists.js";

const CHECKPOINTS = `${CHECKPOINT_SCHEMA}.checkpoints`;
const BLOBS = `${CHECKPOINT_SCHEMA}.checkpoint_blobs`;
const WRITES = `${CHECKPOINT_SCHEMA}.checkpoint_writes`;
const MESSAGES = `${CHECKPOINT_SCHEMA}.checkpoint_messages`;

/** A sweep's row, created at its first pass: `ttl` starts now (threads idle before it are left alone), `prune` at the beginning. */
export const ENSURE_SWEEP = `
  INSERT INTO retention_sweeps (name, cursor_at) VALUES ($1, $2::timestamptz) ON CONFLICT (name) DO NOTHING`;

/** The sweep's position, locked for this pass; no row when another replica's pass holds it. */
export const LOCK_SWEEP = `SELECT cursor_at::text AS cursor_at, cursor_id FROM retention_sweeps WHERE name = $1 FOR UPDATE SKIP LOCKED`;

export const MOVE_SWEEP = `UPDATE retention_sweeps SET cursor_at = $2, cursor_id = $3, swept_at = now() WHERE name = $1`;

/**
 * The next threads past the sweep's position that have not changed for `$3` minutes, oldest
 * first, locked: a run's claim (which updates the row) waits until this pass commits, and rows
 * another transaction holds are skipped (they are changing, so they come back with a newer time).
 */
export const NEXT_THREADS = `
  SELECT thread_id, updated_at::text AS at, head_checkpoint_id, COALESCE(known_as, thread_id)::text AS uuid,
         status = 'busy' OR EXISTS (SELECT 1 FROM runs r WHERE r.thread_id = threads.thread_id AND r.status IN ('pending', 'running')) AS active
  FROM threads
  WHERE (updated_at, thread_id) > ($1::timestamptz, $2::uuid) AND updated_at < now() - $3::float8 * interval '1 minute'
  ORDER BY updated_at, thread_id
  LIMIT $4
  FOR UPDATE SKIP LOCKED`;

/** A thread's root checkpoints as the planner needs them: the tree, how each came to be, pauses. */
export const THREAD_CHECKPOINTS = `
  SELECT c.checkpoint_id, c.parent_checkpoint_id, c.metadata->>'source' AS source,
         EXISTS (SELECT 1 FROM ${WRITES} w WHERE w.thread_id = c.thread_id AND w.checkpoint_ns = ''
                 AND w.checkpoint_id = c.checkpoint_id AND w.channel = '__interrupt__') AS paused
  FROM ${CHECKPOINTS} c
  WHERE c.thread_id = $1 AND c.checkpoint_ns = ''`;

/** Checkpoints of this thread that forks were made from (kept: the fork's metadata names them). */
export const FORK_POINTS = `
  SELECT DISTINCT metadata->>'forked_at_checkpoint' AS checkpoint_id FROM threads
  WHERE metadata @> jsonb_build_object('forked_from', $1::text) AND metadata ? 'forked_at_checkpoint'`;

/**
 * Removing checkpoints `$2` of thread `$1`, in order, in one transaction. Each statement deletes only
 * what no remaining checkpoint needs: blobs, then the messages no remaining blob or write names.
 */
export const PRUNE_STEPS = {
  writes: `DELETE FROM ${WRITES} WHERE thread_id = $1 AND checkpoint_ns = '' AND checkpoint_id = ANY($2::text[])`,
  // Channel values are shared between checkpoints by (channel, version): one goes only when no
  // checkpoint that stays points to it. The statement's snapshot still sees the deleted rows, hence
  // the explicit "not one of $2".
  blobs: `
    WITH RECURSIVE gone AS (
      DELETE FROM ${CHECKPOINTS} WHERE thread_id = $1 AND checkpoint_ns = '' AND checkpoint_id = ANY($2::text[])
      RETURNING checkpoint
    ), candidates AS (
      SELECT DISTINCT v.key AS channel, v.value AS version FROM gone, jsonb_each_text(gone.checkpoint -> 'channel_versions') v
    ), kept AS (
      SELECT v.key AS channel, v.value AS version
      FROM ${CHECKPOINTS} c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
      WHERE c.thread_id = $1 AND c.checkpoint_ns = '' AND NOT (c.checkpoint_id = ANY($2::text[]))
      UNION
      -- A list of messages stored as what changed since another version (a msgrefs blob's base, 'b')
      -- needs that version too, and its base in turn.
      SELECT k.channel, convert_from(b.blob, 'UTF8')::jsonb ->> 'b'
      FROM kept k JOIN ${BLOBS} b
        ON b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = k.channel AND b.version = k.version
      WHERE b.type = '${MESSAGE_REFS}' AND convert_from(b.blob, 'UTF8')::jsonb ? 'b'
    )
    DELETE FROM ${BLOBS} b USING candidates d
    WHERE b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = d.channel AND b.version = d.version
      AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.channel = d.channel AND k.version = d.version)`,
  // Each message is stored once and named by the msgrefs blobs and writes (see message-store): it
  // goes when none of those that stay names it.
  messages: `
    WITH named AS (
      SELECT r ->> 0 AS message_id, r ->> 1 AS hash
      FROM ${BLOBS} b, jsonb_array_elements(convert_from(b.blob, 'UTF8')::jsonb -> 't') r
      WHERE b.thread_id = $1 AND b.checkpoint_ns = '' AND b.type = '${MESSAGE_REFS}'
      UNION
      SELECT r ->> 0, r ->> 1
      FROM ${WRITES} w, jsonb_array_elements(convert_from(w.blob, 'UTF8')::jsonb -> 't') r
      WHERE w.thread_id = $1 AND w.checkpoint_ns = '' AND w.type = '${MESSAGE_REFS}'
    )
    DELETE FROM ${MESSAGES} m
    WHERE m.thread_id = $1 AND m.checkpoint_ns = ''
      AND NOT EXISTS (SELECT 1 FROM named n WHERE n.message_id = m.message_id AND n.hash = m.hash)`,
  // A kept checkpoint whose parent went points to its nearest kept ancestor: branches stay connected.
  relink: `
    UPDATE ${CHECKPOINTS} c SET parent_checkpoint_id = r.parent
    FROM unnest($2::text[], $3::text[]) AS r(id, parent)
    WHERE c.thread_id = $1 AND c.checkpoint_ns = '' AND c.checkpoint_id = r.id`,
  record: `INSERT INTO pruned_checkpoints (thread_id, checkpoint_ids, reason) VALUES ($1::uuid, $2::text[], $3)`,
} as const;

/** checkpointer.ttl "delete": the thread goes, as DELETE /threads/:id removes it (mirror, runs, checkpoints). */
export const DELETE_THREADS = `DELETE FROM threads WHERE thread_id = ANY($1::uuid[])`;
export const DELETE_THREAD_CHECKPOINTS = [
  `DELETE FROM ${WRITES} WHERE thread_id = ANY($1::text[])`,
  `DELETE FROM ${BLOBS} WHERE thread_id = ANY($1::text[])`,
  `DELETE FROM ${MESSAGES} WHERE thread_id = ANY($1::text[])`,
  `DELETE FROM ${CHECKPOINTS} WHERE thread_id = ANY($1::text[])`,
];

/** Whether a checkpoint id of the thread was removed by retention, and when. */
export const PRUNED_AT = `
  SELECT reason, pruned_at FROM pruned_checkpoints WHERE thread_id = $1::uuid AND $2::text = ANY(checkpoint_ids)
  ORDER BY pruned_at LIMIT 1`;
