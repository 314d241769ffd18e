import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";
import type { Queryable } from "../db/queryable.js";
import { removeCheckpoints } from "../db/remove-checkpoints.js";
import { type CheckpointNode, planPrune } from "./prune-plan.js";
import { FORK_POINTS, RECORD_PRUNED, THREAD_CHECKPOINTS } from "./retention-sql.js";

/** A thread as a sweep locked it. */
export interface SweptThread {
  threadId: string;
  /** The UUID its owner knows it by (what a fork's metadata names). */
  uuid: string;
  headCheckpointId: string | null;
}

/**
 * Prunes one thread's root checkpoints (see planPrune) inside the caller's transaction, which holds
 * the thread's row lock; returns how many went. What goes with them (pending writes, channel values
 * and messages no other checkpoint needs) is the checkpointer's to say (removeCheckpoints); the ids
 * are recorded for the 410.
 */
export async function pruneThread(db: Queryable, thread: SweptThread, reason: "prune" | "ttl"): Promise<number> {
  const { rows } = await db.query(THREAD_CHECKPOINTS, [thread.threadId]);
  if (rows.length < 2) return 0;
  const nodes: CheckpointNode[] = rows.map((r) => ({ checkpointId: r.checkpoint_id, parentCheckpointId: r.parent_checkpoint_id, source: r.source, paused: r.paused }));
  const alsoKeep = new Set<string>(thread.headCheckpointId ? [thread.headCheckpointId] : []);
  if (reason === "prune") for (const r of (await db.query(FORK_POINTS, [thread.uuid])).rows) alsoKeep.add(r.checkpoint_id);
  const plan = planPrune(nodes, alsoKeep, reason === "ttl");
  if (plan.remove.length === 0) return 0;
  await removeCheckpoints(db, CHECKPOINT_SCHEMA, thread.threadId, plan.remove, plan.relink);
  await db.query(RECORD_PRUNED, [thread.threadId, plan.remove, reason]);
  return plan.remove.length;
}
