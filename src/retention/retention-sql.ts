import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";

const CHECKPOINTS = `${CHECKPOINT_SCHEMA}.checkpoints`;
const WRITES = `${CHECKPOINT_SCHEMA}.checkpoint_writes`;

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

/** The checkpoints retention removed, for the 410 (removing them is the checkpointer's: remove-checkpoints). */
export const RECORD_PRUNED = `INSERT INTO pruned_checkpoints (thread_id, checkpoint_ids, reason) VALUES ($1::uuid, $2::text[], $3)`;

/** checkpointer.ttl "delete": the thread goes, as DELETE /threads/:id removes it (mirror, runs, checkpoints). */
export const DELETE_THREADS = `DELETE FROM threads WHERE thread_id = ANY($1::uuid[])`;

/** Whether a checkpoint id of the thread was removed by retention, and when. */
export const PRUNED_AT = `
  SELECT reason, pruned_at FROM pruned_checkpoints WHERE thread_id = $1::uuid AND $2::text = ANY(checkpoint_ids)
  ORDER BY pruned_at LIMIT 1`;
