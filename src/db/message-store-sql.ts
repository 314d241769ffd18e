import { TASKS } from "@langchain/langgraph-checkpoint";
import { MESSAGE_REFS, refsSql } from "./message-lists.js";

/**
 * The statements of the message store: each message of a thread stored once, in
 * `checkpoint_messages`, keyed by its id and the hash of its bytes (an id is rewritten: the reducer
 * replaces by id, an approval rewrites a tool call), and the checkpoints' reads, which put the
 * lists of references (`msgrefs` blobs, see message-lists) back together with the messages.
 */
export function messageStoreSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  /**
   * The blob of checkpoint `cp` for channel version `v` (a row of jsonb_each_text), by primary key.
   * A lateral lookup, not a join: as a join the planner (guessing 100 rows for jsonb_each_text, a
   * handful in fact) hashed every blob of the thread once per checkpoint read, which grows with the
   * thread (a page of 10 on a 100-turn thread without statistics yet: 21 ms of 10 checkpoints × 1,200
   * blobs; 13.5 ms with this). In `chain` too, where the join hashed every list of the thread. The
   * estimates multiply (100 rows guessed per set-returning function) into costs past PostgreSQL's JIT
   * threshold, which is why the pool turns JIT off (see createPool).
   */
  const blobAt = (cp: string, v: string, type: string) => `
    SELECT b.thread_id, b.checkpoint_ns, b.channel, b.version, b.type, b.blob FROM ${t("checkpoint_blobs")} b
    WHERE b.thread_id = ${cp}.thread_id AND b.checkpoint_ns = ${cp}.checkpoint_ns AND b.channel = ${v}.key AND b.version = ${v}.value AND b.type ${type}
    LIMIT 1`;
  /** Whether chain row `c` is a list of the `floor` (a statement of `select`). */
  const onFloor = (c: string) => `
    SELECT 1 FROM floor f WHERE f.thread_id = ${c}.thread_id AND f.checkpoint_ns = ${c}.checkpoint_ns AND f.channel = ${c}.channel AND f.version = ${c}.version`;
  return {
    // Run by the saver's setup(), beside LangGraph's own tables, which it creates first.
    setup: `
      CREATE TABLE IF NOT EXISTS ${t("checkpoint_messages")} (
        thread_id text NOT NULL,
        checkpoint_ns text NOT NULL DEFAULT '',
        message_id text NOT NULL,
        hash text NOT NULL,
        type text NOT NULL,
        blob bytea NOT NULL,
        PRIMARY KEY (thread_id, checkpoint_ns, message_id, hash)
      )`,
    /**
     * Checkpoints as the stock saver reads them (`where` on the checkpoints' own columns), and, on one
     * of the rows, the `msgrefs` blobs their lists stand on (followed down to a whole list) and the
     * messages those name: one statement, each message sent once whatever the number of checkpoints.
     */
    select: (where: string, limit: string, known: number) => `
      WITH RECURSIVE page AS (
        SELECT * FROM ${t("checkpoints")} ${where} ORDER BY checkpoint_id DESC ${limit}
      ), floor AS (
        -- Lists the reader holds whole (the last two parameters: channels and versions in its thread's
        -- namespace): a chain reaching one stops there, and its references are not expanded.
        SELECT $${known}::text AS thread_id, $${known + 1}::text AS checkpoint_ns, f.channel, f.version
        FROM unnest($${known + 3}::text[], $${known + 4}::text[]) AS f (channel, version)
      ), chain AS (
        SELECT bl.thread_id, bl.checkpoint_ns, bl.channel, bl.version, ${refsSql.doc("bl.blob")} AS doc
        FROM page cp
        CROSS JOIN jsonb_each_text(cp.checkpoint -> 'channel_versions') v
        CROSS JOIN LATERAL (${blobAt("cp", "v", `= '${MESSAGE_REFS}'`)}) bl
        UNION
        -- A lookup by primary key per list: a join here is planned as a scan of the table per step.
        SELECT b.thread_id, b.checkpoint_ns, b.channel, b.version, ${refsSql.doc("b.blob")}
        FROM chain c
        CROSS JOIN LATERAL (
          SELECT * FROM ${t("checkpoint_blobs")} b
          WHERE b.thread_id = c.thread_id AND b.checkpoint_ns = c.checkpoint_ns AND b.channel = c.channel AND b.version = ${refsSql.base("c.doc")} AND b.type = '${MESSAGE_REFS}'
          LIMIT 1
        ) b
        WHERE NOT EXISTS (${onFloor("c")})
      ), wanted AS (
        SELECT c.thread_id, c.checkpoint_ns, r.message_id, r.hash
        FROM chain c CROSS JOIN LATERAL ${refsSql.refs("c.doc")} r
        WHERE NOT EXISTS (${onFloor("c")})
        UNION
        SELECT cw.thread_id, cw.checkpoint_ns, r.message_id, r.hash
        FROM page cp
        JOIN ${t("checkpoint_writes")} cw
          ON cw.thread_id = cp.thread_id AND cw.checkpoint_ns = cp.checkpoint_ns AND cw.checkpoint_id = cp.checkpoint_id
        CROSS JOIN LATERAL ${refsSql.refs(refsSql.doc("cw.blob"))} r
        WHERE cw.type = '${MESSAGE_REFS}'
      ), unknown AS (
        -- What the reader has not built already (parameters: its thread, namespace, and the messages
        -- as JSON [[id, hash], ...]: one parameter, not two text arrays, whose 800 elements took
        -- 0.7 ms to escape and parse where this takes 0.3).
        SELECT w.* FROM wanted w
        WHERE NOT (w.thread_id = $${known} AND w.checkpoint_ns = $${known + 1}
          AND (w.message_id, w.hash) IN (SELECT e ->> 0, e ->> 1 FROM jsonb_array_elements($${known + 2}::jsonb) e))
      )
      SELECT cp.thread_id, cp.checkpoint, cp.checkpoint_ns, cp.checkpoint_id, cp.parent_checkpoint_id, cp.metadata,
        (
          SELECT array_agg(array[bl.channel::bytea, bl.type::bytea, bl.blob])
          FROM jsonb_each_text(cp.checkpoint -> 'channel_versions') v
          CROSS JOIN LATERAL (${blobAt("cp", "v", `<> '${MESSAGE_REFS}'`)}) bl
        ) AS channel_values,
        (
          SELECT array_agg(array[cw.task_id::text::bytea, cw.channel::bytea, cw.type::bytea, cw.blob] ORDER BY cw.task_id, cw.idx)
          FROM ${t("checkpoint_writes")} cw
          WHERE cw.thread_id = cp.thread_id AND cw.checkpoint_ns = cp.checkpoint_ns AND cw.checkpoint_id = cp.checkpoint_id
        ) AS pending_writes,
        CASE WHEN row_number() OVER () = 1 THEN
          (SELECT json_agg(json_build_array(c.thread_id, c.checkpoint_ns, c.channel, c.version, c.doc)) FROM chain c)
        END AS lists,
        CASE WHEN row_number() OVER () = 1 AND EXISTS (SELECT 1 FROM unknown) THEN
          -- As JSON text (every stored message is): a bytea array comes in hex and is slow to take apart.
          (SELECT json_agg(json_build_array(m.thread_id, m.checkpoint_ns, m.message_id, m.hash, m.type, convert_from(m.blob, 'UTF8')))
           FROM ${t("checkpoint_messages")} m JOIN unknown w USING (thread_id, checkpoint_ns, message_id, hash))
        END AS messages
      FROM page cp
      ORDER BY cp.checkpoint_id DESC`,
    /** Messages of a thread's namespace by id and hash, as `select` gives them (for MessageStore's FetchMessages). */
    messages: `
      SELECT json_build_array(m.thread_id, m.checkpoint_ns, m.message_id, m.hash, m.type, convert_from(m.blob, 'UTF8')) AS message
      FROM ${t("checkpoint_messages")} m
      WHERE m.thread_id = $1 AND m.checkpoint_ns = $2 AND (m.message_id, m.hash) IN (SELECT * FROM unnest($3::text[], $4::text[]))`,
    // Checkpoints of LangGraph's format < 4 kept the sends of a step as writes of its parent.
    pendingSends: `
      SELECT checkpoint_id, array_agg(array[cw.type::bytea, cw.blob] ORDER BY cw.task_id, cw.idx) AS pending_sends
      FROM ${t("checkpoint_writes")} cw
      WHERE cw.thread_id = $1 AND cw.checkpoint_id = ANY($2) AND cw.channel = '${TASKS}'
      GROUP BY cw.checkpoint_id`,
  };
}
