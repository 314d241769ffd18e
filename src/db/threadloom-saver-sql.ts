/** The saver's write statements: one statement a checkpoint, one a batch of writes. */
export function saverSql(schema: string) {
  const t = (name: string) => `"${schema}".${name}`;
  const writes = `
    INSERT INTO ${t("checkpoint_writes")} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
    SELECT $1, $2, $3, $4, w.idx, w.channel, w.type, w.blob
    FROM unnest($5::int[], $6::text[], $7::text[], $8::bytea[]) AS w(idx, channel, type, blob)
    ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)`;
  return {
    putCheckpoint: `
      WITH blobs AS (
        INSERT INTO ${t("checkpoint_blobs")} (thread_id, checkpoint_ns, channel, version, type, blob)
        SELECT $1, $2, b.channel, b.version, b.type, b.blob
        FROM unnest($7::text[], $8::text[], $9::text[], $10::bytea[]) AS b(channel, version, type, blob)
        ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
      )
      INSERT INTO ${t("checkpoints")} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
      DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`,
    upsertWrites: `${writes} DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob`,
    insertWrites: `${writes} DO NOTHING`,
  };
}
