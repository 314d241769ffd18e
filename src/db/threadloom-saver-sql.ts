import { claimCte } from "../runs/run-claim.js";
import { MESSAGE_REFS, refsSql } from "./message-lists.js";

/**
 * The saver's write statements: one statement a checkpoint, one a batch of writes. Each has a fenced
 * form for writes of a run (its claim in three parameters: the last ones of a batch of writes, those
 * after the fixed ones of a checkpoint): it writes nothing, and returns no row, unless the run still
 * holds its claim, and may commit without waiting for the disk (`quick`, see ThreadloomSaver).
 */
/** Commits without waiting for the disk (the transaction's own setting): a later synchronous commit of the run makes it durable. */
const QUICK_COMMIT = "set_config('synchronous_commit', 'off', true) AS quick_commit";

export function saverSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  // Writes' parameters: $1-$8 the batch; $9-$11 the keys of the messages its `msgrefs` writes name
  // (a node's new messages, stored once for the write and the checkpoint after it); fenced, the
  // claim in $12-$14; then each message a parameter of its own.
  const writeMessages = (first: number, count: number, where: string) => `
    INSERT INTO ${t("checkpoint_messages")} (thread_id, checkpoint_ns, message_id, hash, type, blob)
    SELECT $1, $2, m.id, m.hash, m.type, (ARRAY[${Array.from({ length: count }, (_, i) => `$${i + first}::bytea`).join(", ")}]::bytea[])[m.n]
    FROM unnest($9::text[], $10::text[], $11::text[]) WITH ORDINALITY AS m(id, hash, type, n)
    ${where}
    ON CONFLICT (thread_id, checkpoint_ns, message_id, hash) DO NOTHING`;
  const writes = (onConflict: string) => (messageCount: number) => `
    WITH messages AS (${writeMessages(12, messageCount, "")})
    INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
    SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
    FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}`;
  // The claim's answer, not the rows written: a batch written again (DO NOTHING) is no refusal.
  const writesFenced = (onConflict: string) => (messageCount: number, quick = false) => `
    WITH ${claimCte("$12", "$13", "$14")}, messages AS (${writeMessages(15, messageCount, "WHERE EXISTS (SELECT 1 FROM claim)")}), written AS (
      INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
      FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
      WHERE EXISTS (SELECT 1 FROM claim)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}
    )
    SELECT 1${quick ? `, ${QUICK_COMMIT}` : ""} FROM claim`;
  const upsert = "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob";
  // Parameters: $1-$9 the checkpoint and its blobs' keys; $10-$12 the keys of the messages it adds
  // (see message-lists); $13-$15 the lists those blobs stand on, which must be there as they were
  // (a thread deleted meanwhile, say), else nothing is written and `based` is false; fenced, the
  // claim in $16-$18. Then each blob and each message a parameter of its own, not one bytea[]: a
  // Buffer parameter goes to the server as it is, an array of them is first written out in hex, in
  // one piece (seconds for a long thread).
  const putCheckpoint = (blobCount: number, messageCount: number, fenced: boolean, quick = false) => {
    const first = fenced ? 19 : 16;
    const params = (from: number, count: number) => Array.from({ length: count }, (_, i) => `$${i + from}::bytea`).join(", ");
    const go = `(SELECT ok FROM go)`;
    return `
      WITH ${fenced ? `${claimCte("$16", "$17", "$18")},` : ""} based AS (
        SELECT count(*) = cardinality($13::text[]) AS ok
        FROM unnest($13::text[], $14::text[], $15::text[]) AS x(channel, version, hash)
        -- By primary key: as a join it was planned as a scan of every list of the thread, each parsed
        -- (2.5 ms a checkpoint on a 100-turn thread, growing with it).
        CROSS JOIN LATERAL (
          SELECT b.blob FROM ${t("checkpoint_blobs")} b
          WHERE b.thread_id = $1 AND b.checkpoint_ns = $2 AND b.channel = x.channel AND b.version = x.version AND b.type = '${MESSAGE_REFS}'
          LIMIT 1
        ) b
        WHERE ${refsSql.hash(refsSql.doc("b.blob"))} = x.hash
      ), go AS (
        SELECT (SELECT ok FROM based) ${fenced ? "AND EXISTS (SELECT 1 FROM claim)" : ""} AS ok
      ), messages AS (
        INSERT INTO ${t("checkpoint_messages")} (thread_id, checkpoint_ns, message_id, hash, type, blob)
        SELECT $1, $2, m.id, m.hash, m.type, (ARRAY[${params(first + blobCount, messageCount)}]::bytea[])[m.n]
        FROM unnest($10::text[], $11::text[], $12::text[]) WITH ORDINALITY AS m(id, hash, type, n)
        WHERE ${go}
        ON CONFLICT (thread_id, checkpoint_ns, message_id, hash) DO NOTHING
      ), blobs AS (
        INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
        SELECT $1, $2, b.channel, b.version, b.type, (ARRAY[${params(first, blobCount)}]::bytea[])[b.n]
        FROM unnest($7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS b(channel, version, type, n)
        WHERE ${go}
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
      ), saved AS (
        INSERT INTO ${t("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
        SELECT $1, $2, $3, $4, $5, $6 WHERE ${go}
        ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
        DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
      )
      SELECT (SELECT ok FROM based) AS based, ${fenced ? "EXISTS (SELECT 1 FROM claim)" : "true"} AS held${quick ? `, ${QUICK_COMMIT}` : ""}`;
  };
  return {
    // A rollback by the run itself ($3, $4: its claim, when given; $5 its id again, as a uuid), so
    // only while it holds it. Channel values stay: they are keyed by version, and a version is never
    // reused (getNextVersion).
    deleteRunCheckpoints: `
      WITH ${claimCte("$5", "$3", "$4")}, fence AS (
        SELECT $3::int IS NULL OR EXISTS (SELECT 1 FROM claim) AS held
      ), gone AS (
        DELETE FROM ${t("checkpoints")} WHERE thread_id = $1 AND metadata->>'run_id' = $2 AND (SELECT held FROM fence)
        RETURNING checkpoint_ns, checkpoint_id
      ), writes AS (
        DELETE FROM ${t("checkpoint_writes")} w USING gone g
        WHERE w.thread_id = $1 AND w.checkpoint_ns = g.checkpoint_ns AND w.checkpoint_id = g.checkpoint_id
      )
      SELECT (SELECT held FROM fence) AS held, ARRAY(SELECT checkpoint_id FROM gone) AS checkpoint_ids`,
    hasRunCheckpoints: `SELECT 1 FROM ${t("checkpoints")} WHERE thread_id = $1 AND metadata->>'run_id' = $2 LIMIT 1`,
    putCheckpoint: (blobCount: number, messageCount: number) => putCheckpoint(blobCount, messageCount, false),
    putCheckpointFenced: (blobCount: number, messageCount: number, quick = false) => putCheckpoint(blobCount, messageCount, true, quick),
    // A new thread holding a copy of one branch: the checkpoint and its ancestors, their pending
    // writes, the channel values they point to, the lists those stand on and the messages these
    // name. Ids stay the same, so nothing needs rewriting.
    copyBranch: `
      WITH RECURSIVE chain AS (
        SELECT * FROM ${t("checkpoints")} WHERE thread_id = $1 AND checkpoint_ns = '' AND checkpoint_id = $3
        UNION ALL
        SELECT c.* FROM ${t("checkpoints")} c JOIN chain ON c.checkpoint_id = chain.parent_checkpoint_id
        WHERE c.thread_id = $1 AND c.checkpoint_ns = ''
      ), copied AS (
        INSERT INTO ${t("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
        SELECT $2, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata FROM chain
        RETURNING 1
      ), writes AS (
        INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
        SELECT $2, w.checkpoint_ns, w.checkpoint_id, w.task_id, w.idx, w.channel, w.type, w.blob
        FROM ${t("checkpoint_writes")} w
        WHERE w.thread_id = $1 AND w.checkpoint_ns = '' AND w.checkpoint_id IN (SELECT checkpoint_id FROM chain)
      ), pointed AS (
        SELECT DISTINCT v.key AS channel, v.value AS version FROM chain CROSS JOIN jsonb_each_text(chain.checkpoint -> 'channel_versions') v
      ), lists AS (
        SELECT b.channel, b.version, ${refsSql.doc("b.blob")} AS doc
        FROM pointed p JOIN ${t("checkpoint_blobs")} b
          ON b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = p.channel AND b.version = p.version
        WHERE b.type = '${MESSAGE_REFS}'
        UNION
        SELECT b.channel, b.version, ${refsSql.doc("b.blob")}
        FROM lists l JOIN ${t("checkpoint_blobs")} b
          ON b.thread_id = $1 AND b.checkpoint_ns = '' AND b.channel = l.channel AND b.version = ${refsSql.base("l.doc")}
        WHERE b.type = '${MESSAGE_REFS}'
      ), messages AS (
        INSERT INTO ${t("checkpoint_messages")} (thread_id, checkpoint_ns, message_id, hash, type, blob)
        SELECT $2, m.checkpoint_ns, m.message_id, m.hash, m.type, m.blob
        FROM ${t("checkpoint_messages")} m
        WHERE m.thread_id = $1 AND m.checkpoint_ns = ''
          AND (m.message_id, m.hash) IN (
            SELECT r.message_id, r.hash FROM lists CROSS JOIN LATERAL ${refsSql.refs("lists.doc")} r
            UNION
            SELECT r.message_id, r.hash FROM ${t("checkpoint_writes")} w CROSS JOIN LATERAL ${refsSql.refs(refsSql.doc("w.blob"))} r
            WHERE w.thread_id = $1 AND w.checkpoint_ns = '' AND w.type = '${MESSAGE_REFS}' AND w.checkpoint_id IN (SELECT checkpoint_id FROM chain))
      )
      INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
      SELECT $2, b.checkpoint_ns, b.channel, b.version, b.type, b.blob
      FROM ${t("checkpoint_blobs")} b
      WHERE b.thread_id = $1 AND b.checkpoint_ns = ''
        AND (b.channel, b.version) IN (SELECT channel, version FROM pointed UNION SELECT channel, version FROM lists)`,
    upsertWrites: writes(upsert),
    insertWrites: writes("DO NOTHING"),
    upsertWritesFenced: writesFenced(upsert),
    insertWritesFenced: writesFenced("DO NOTHING"),
  };
}
