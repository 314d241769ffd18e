import { AppError, notFound } from "../errors.js";
import type { Queryable } from "../db/queryable.js";
import { PRUNED_AT } from "./retention-sql.js";

/**
 * The error for a checkpoint id the thread does not have: Gone when retention removed it (the id was
 * real, and it is not coming back), Not found when it never existed.
 */
export async function missingCheckpoint(db: Queryable, threadId: string, checkpointId: string): Promise<AppError> {
  const pruned = await prunedAt(db, threadId, checkpointId);
  if (!pruned) return notFound("Checkpoint", checkpointId);
  const why = pruned.reason === "ttl" ? "checkpointer.ttl (keep_latest)" : "CHECKPOINT_PRUNE_AFTER_MINUTES";
  return new AppError(
    "gone",
    `Checkpoint ${checkpointId} was pruned by retention (${why}) on ${pruned.at.toISOString()}: its state can no longer be read, run from or forked. The thread's messages are all still there.`,
    { checkpoint_id: checkpointId, pruned_at: pruned.at.toISOString() },
  );
}

/** Throws Gone when retention removed the checkpoint (an id used as a cursor, which need not exist). */
export async function refusePruned(db: Queryable, threadId: string, checkpointId: string): Promise<void> {
  if (await prunedAt(db, threadId, checkpointId)) throw await missingCheckpoint(db, threadId, checkpointId);
}

async function prunedAt(db: Queryable, threadId: string, checkpointId: string): Promise<{ reason: string; at: Date } | null> {
  // Checkpoint rows are keyed by the thread id as text; ours by UUID: anything else was never pruned.
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(threadId)) return null;
  const { rows } = await db.query(PRUNED_AT, [threadId, checkpointId]);
  return rows[0] ? { reason: rows[0].reason, at: rows[0].pruned_at } : null;
}
