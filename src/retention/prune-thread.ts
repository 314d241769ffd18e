import type { Queryable } from "../db/queryable.js";
import { type CheckpointNode, planPrune } from "./prune-plan.js";
import { FORK_POINTS, PRUNE_STEPS, THREAD_CHECKPOINTS } from "./retention-sql.js";

/** A thread as a sweep locked it. */
export interface SweptThread {
  threadId: string;
  /** The UUID its owner knows it by (what a fork's metadata names). */
  uuid: string;
  headCheckpointId: string | null;
}

/**
 * Prunes one thread's root checkpoints (see planPrune) inside the caller's transaction, which holds
 * the thread's row lock; returns how many went. Their pending writes go with them, channel values
 * only when no remaining checkpoint points to them, and the ids are recorded for the 410.
 */
export async function pruneThread(db: Queryable, thread: SweptThread, reason: "prune" | "ttl"): Promise<number> {
  const { rows } = await db.query(THREAD_CHECKPOINTS, [thread.threadId]);
  if (rows.length < 2) return 0;
  const nodes: CheckpointNode[] = rows.map((r) => ({ checkpointId: r.checkpoint_id, parentCheckpointId: r.parent_checkpoint_id, source: r.source, paused: r.paused }));
  const alsoKeep = new Set<string>(thread.headCheckpointId ? [thread.headCheckpointId] : []);
  if (reason === "prune") for (const r of (await db.query(FORK_POINTS, [thread.uuid])).rows) alsoKeep.add(r.checkpoint_id);
  const plan = planPrune(nodes, alsoKeep, reason === "ttl");
  if (plan.remove.length === 0) return 0;
  await db.query(PRUNE_STEPS.writes, [thread.threadId, plan.remove]);
  await db.query(PRUNE_STEPS.blobs, [thread.threadId, plan.remove]);
  await db.query(PRUNE_STEPS.messages, [thread.threadId]);
  if (plan.relink.length > 0) {
    await db.query(PRUNE_STEPS.relink, [thread.threadId, plan.relink.map((r) => r.checkpointId), plan.relink.map((r) => r.parentCheckpointId)]);
  }
  await db.query(PRUNE_STEPS.record, [thread.threadId, plan.remove, reason]);
  return plan.remove.length;
}
