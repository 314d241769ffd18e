import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";

const CHECKPOINTS = `${CHECKPOINT_SCHEMA}.checkpoints`;

/** What `next` is computed from: a checkpoint's versions and the channels holding a value. */
const VERSIONS = `
  c.checkpoint->'channel_versions' AS channel_versions, c.checkpoint->'versions_seen' AS versions_seen,
  -- Channels holding a value (a consumed trigger has no blob, or an 'empty' one written before): only those trigger nodes.
  ARRAY(SELECT v.key FROM jsonb_each_text(c.checkpoint->'channel_versions') v
        JOIN ${CHECKPOINT_SCHEMA}.checkpoint_blobs b
          ON b.thread_id = c.thread_id AND b.checkpoint_ns = '' AND b.channel = v.key AND b.version = v.value
        WHERE b.type <> 'empty') AS available`;

/**
 * A page of a thread's checkpoints, newest first (checkpoint ids are time-ordered UUIDs), read from
 * the checkpoint rows' JSON and the mirror: no channel value is deserialized. `writes` is the
 * metadata's record of the nodes that wrote it, which LangGraph 0.x kept and 1.x no longer does.
 */
export const LIST_CHECKPOINTS = `
  SELECT c.checkpoint_id, c.parent_checkpoint_id, (c.metadata->>'step')::int AS step, c.metadata->>'source' AS source,
         c.checkpoint->>'ts' AS created_at, ${VERSIONS},
         ARRAY(SELECT m.message_id FROM messages m
               WHERE m.thread_id = $1::uuid AND m.checkpoint_id = c.checkpoint_id ORDER BY m.position) AS added,
         CASE WHEN jsonb_typeof(c.metadata->'writes') = 'object' THEN ARRAY(SELECT jsonb_object_keys(c.metadata->'writes')) END AS recorded_writers
  FROM ${CHECKPOINTS} c
  WHERE c.thread_id = $1::text AND c.checkpoint_ns = '' AND ($2::text IS NULL OR c.checkpoint_id < $2)
  ORDER BY c.checkpoint_id DESC
  LIMIT $3`;

/** The versions of some checkpoints of a thread: the parents a page of history does not hold. */
export const CHECKPOINT_VERSIONS = `
  SELECT c.checkpoint_id, ${VERSIONS}
  FROM ${CHECKPOINTS} c
  WHERE c.thread_id = $1::text AND c.checkpoint_ns = '' AND c.checkpoint_id = ANY($2::text[])`;

/** Where a message first appeared, and that checkpoint's parent and the parent's source. */
export const MESSAGE_CHECKPOINTS = `
  SELECT m.role, m.checkpoint_id, c.parent_checkpoint_id, p.parent_checkpoint_id AS grandparent_checkpoint_id,
         p.metadata->>'source' AS parent_source
  FROM messages m
  LEFT JOIN ${CHECKPOINTS} c ON c.thread_id = $1::text AND c.checkpoint_ns = '' AND c.checkpoint_id = m.checkpoint_id
  LEFT JOIN ${CHECKPOINTS} p ON p.thread_id = $1::text AND p.checkpoint_ns = '' AND p.checkpoint_id = c.parent_checkpoint_id
  WHERE m.thread_id = $1::uuid AND m.message_id = $2`;

/** The newest checkpoint descending from the given one: the tip of the branch it is on. */
export const BRANCH_TIP = `
  WITH RECURSIVE branch AS (
    SELECT checkpoint_id FROM ${CHECKPOINTS} WHERE thread_id = $1::text AND checkpoint_ns = '' AND checkpoint_id = $2
    UNION ALL
    SELECT c.checkpoint_id FROM ${CHECKPOINTS} c JOIN branch b ON c.parent_checkpoint_id = b.checkpoint_id
    WHERE c.thread_id = $1::text AND c.checkpoint_ns = ''
  )
  SELECT max(checkpoint_id) AS tip FROM branch`;

export const CHECKPOINT_EXISTS = `
  SELECT 1 FROM ${CHECKPOINTS} WHERE thread_id = $1::text AND checkpoint_ns = $3 AND ($2::text IS NULL OR checkpoint_id = $2) LIMIT 1`;
