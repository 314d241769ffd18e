import { claimCte } from "../runs/run-claim.js";

/**
 * The saver's write statements: one statement a checkpoint, one a batch of writes. Each has a fenced
 * form for writes of a run (its claim in three parameters: the last ones of a batch of writes, those
 * after the fixed ones of a checkpoint): it writes nothing, and returns no row, unless the run still
 * holds its claim.
 */
export function saverSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  const writes = (onConflict: string) => `
    INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
    SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
    FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}`;
  // The claim's answer, not the rows written: a batch written again (DO NOTHING) is no refusal.
  const writesFenced = (onConflict: string) => `
    WITH ${claimCte("$9", "$10", "$11")}, written AS (
      INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
      FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
      WHERE EXISTS (SELECT 1 FROM claim)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}
    )
    SELECT 1 FROM claim`;
  const upsert = "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob";
  // Parameters: $1-$9 the checkpoint and its blobs' keys; fenced, the claim in $10-$12; then each blob
  // a parameter of its own, not one bytea[]: a Buffer parameter goes to the server as it is, an array
  // of them is first written out in hex, in one piece (seconds for a long thread).
  const putCheckpoint = (blobCount: number, fenced: boolean) => {
    const first = fenced ? 13 : 10;
    const blobs = Array.from({ length: blobCount }, (_, i) => `$${i + first}::bytea`).join(", ");
    return `
      WITH ${fenced ? `${claimCte("$10", "$11", "$12")},` : ""} blobs AS (
        INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
        SELECT $1, $2, b.channel, b.version, b.type, (ARRAY[${blobs}]::bytea[])[b.n]
        FROM unnest($7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS b(channel, version, type, n)
        ${fenced ? "WHERE EXISTS (SELECT 1 FROM claim)" : ""}
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
      )
      INSERT INTO ${t("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      ${fenced ? "SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM claim)" : "VALUES ($1, $2, $3, $4, $5, $6)"}
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
      DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
      RETURNING 1`;
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
    putCheckpoint: (blobCount: number) => putCheckpoint(blobCount, false),
    putCheckpointFenced: (blobCount: number) => putCheckpoint(blobCount, true),
    // A new thread holding a copy of one branch: the checkpoint and its ancestors, their pending
    // writes, and the channel values they point to. Ids stay the same, so nothing needs rewriting.
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
      )
      INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
      SELECT DISTINCT ON (b.channel, b.version) $2, b.checkpoint_ns, b.channel, b.version, b.type, b.blob
      FROM ${t("checkpoint_blobs")} b
      JOIN chain ON true
      JOIN LATERAL jsonb_each_text(chain.checkpoint -> 'channel_versions') v ON v.key = b.channel AND v.value = b.version
      WHERE b.thread_id = $1 AND b.checkpoint_ns = ''`,
    upsertWrites: writes(upsert),
    insertWrites: writes("DO NOTHING"),
    upsertWritesFenced: writesFenced(upsert),
    insertWritesFenced: writesFenced("DO NOTHING"),
  };
}
