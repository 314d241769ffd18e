/** The saver's write statements: one statement a checkpoint, one a batch of writes. */
export function saverSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  const writes = `
    INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
    SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
    FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)`;
  return {
    // Channel values stay: they are keyed by version, and a version is never reused (getNextVersion).
    deleteRunCheckpoints: `
      WITH gone AS (
        DELETE FROM ${t("checkpoints")} WHERE thread_id = $1 AND metadata->>'run_id' = $2
        RETURNING checkpoint_ns, checkpoint_id
      ), writes AS (
        DELETE FROM ${t("checkpoint_writes")} w USING gone g
        WHERE w.thread_id = $1 AND w.checkpoint_ns = g.checkpoint_ns AND w.checkpoint_id = g.checkpoint_id
      )
      SELECT checkpoint_id FROM gone`,
    hasRunCheckpoints: `SELECT 1 FROM ${t("checkpoints")} WHERE thread_id = $1 AND metadata->>'run_id' = $2 LIMIT 1`,
    // Each blob a parameter of its own ($10, $11, …), not one bytea[]: a Buffer parameter goes to the
    // server as it is, an array of them is first written out in hex, in one piece (seconds for a long thread).
    putCheckpoint: (blobCount: number) => `
      WITH blobs AS (
        INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
        SELECT $1, $2, b.channel, b.version, b.type, (ARRAY[${Array.from({ length: blobCount }, (_, i) => `$${i + 10}::bytea`).join(", ")}]::bytea[])[b.n]
        FROM unnest($7::text[], $8::text[], $9::text[]) WITH ORDINALITY AS b(channel, version, type, n)
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
      )
      INSERT INTO ${t("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
      DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
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
    upsertWrites: `${writes} DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob`,
    insertWrites: `${writes} DO NOTHING`,
  };
}
