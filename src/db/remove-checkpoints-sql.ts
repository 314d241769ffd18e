import { MESSAGE_REFS, refsSql } from "./message-lists.js";

/**
 * Removing checkpoints and threads from LangGraph's tables and the message store beside them. Only
 * the root namespace's checkpoints are removed one by one (what retention prunes); a thread goes whole.
 */
export function removeCheckpointsSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  const blobDoc = refsSql.doc("b.blob");
  return {
    /** Removing checkpoints `$2` of thread `$1`: in this order, in one transaction (each step sees the one before). */
    steps: {
      writes: `DELETE FROM ${t("checkpoint_writes")} WHERE thread_id = $1 AND checkpoint_ns = '' AND checkpoint_id = ANY($2::text[])`,
      // Channel values are shared between checkpoints by (channel, version): one goes only when no
      // checkpoint that stays points to it. The statement's snapshot still sees the deleted rows, hence
      // the explicit "not one of $2".
      checkpointsAndBlobs: `
        WITH RECURSIVE gone AS (
          DELETE FROM ${t("checkpoints")} WHERE thread_id = $1 AND checkpoint_ns = '' AND checkpoint_id = ANY($2::text[])
          RETURNING checkpoint
        ), candidates AS (
          SELECT DISTINCT v.key AS channel, v.value AS version FROM gone, jsonb_each_text(gone.checkpoint -> 'channel_versions') v
        ), kept AS (
          SELECT v.key AS channel, v.value AS version
          FROM ${t("checkpoints")} c, jsonb_each_text(c.checkpoint -> 'channel_versions') v
          WHERE c.thread_id = $1 AND c.checkpoint_ns = '' AND NOT (c.checkpoint_id = ANY($2::text[]))
          UNION
          -- A list of messages stored as what changed since another version (its base) needs that
          -- version too, and its base in turn.
          SELECT k.channel, ${refsSql.base(blobDoc)}
          FROM kept k JOIN ${t("checkpoint_blobs")} b
            ON b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = k.channel AND b.version = k.version
          WHERE b.type = '${MESSAGE_REFS}' AND ${refsSql.base(blobDoc)} IS NOT NULL
        )
        DELETE FROM ${t("checkpoint_blobs")} b USING candidates d
        WHERE b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = d.channel AND b.version = d.version
          AND NOT EXISTS (SELECT 1 FROM kept k WHERE k.channel = d.channel AND k.version = d.version)`,
      // Each message is stored once and named by the msgrefs blobs and writes (see message-store): it
      // goes when none of those that stay names it.
      messages: `
        WITH named AS (
          SELECT r.message_id, r.hash
          FROM ${t("checkpoint_blobs")} b CROSS JOIN LATERAL ${refsSql.refs(blobDoc)} r
          WHERE b.thread_id = $1 AND b.checkpoint_ns = '' AND b.type = '${MESSAGE_REFS}'
          UNION
          SELECT r.message_id, r.hash
          FROM ${t("checkpoint_writes")} w CROSS JOIN LATERAL ${refsSql.refs(refsSql.doc("w.blob"))} r
          WHERE w.thread_id = $1 AND w.checkpoint_ns = '' AND w.type = '${MESSAGE_REFS}'
        )
        DELETE FROM ${t("checkpoint_messages")} m
        WHERE m.thread_id = $1 AND m.checkpoint_ns = ''
          AND NOT EXISTS (SELECT 1 FROM named n WHERE n.message_id = m.message_id AND n.hash = m.hash)`,
      // Kept checkpoints ($2) whose parent went get another ($3): branches stay connected.
      relink: `
        UPDATE ${t("checkpoints")} c SET parent_checkpoint_id = r.parent
        FROM unnest($2::text[], $3::text[]) AS r(id, parent)
        WHERE c.thread_id = $1 AND c.checkpoint_ns = '' AND c.checkpoint_id = r.id`,
    },
    // Threads `$1` and everything of them, in one statement (the stock saver: a transaction of three).
    deleteThreads: `
      WITH blobs AS (DELETE FROM ${t("checkpoint_blobs")} WHERE thread_id = ANY($1::text[])),
        writes AS (DELETE FROM ${t("checkpoint_writes")} WHERE thread_id = ANY($1::text[])),
        messages AS (DELETE FROM ${t("checkpoint_messages")} WHERE thread_id = ANY($1::text[]))
      DELETE FROM ${t("checkpoints")} WHERE thread_id = ANY($1::text[])`,
  };
}
