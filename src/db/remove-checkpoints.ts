import type { Queryable } from "./queryable.js";
import { removeCheckpointsSql } from "./remove-checkpoints-sql.js";

/** A kept checkpoint whose parent is removed, and the parent it gets instead (null: none). */
export interface Relink {
  checkpointId: string;
  parentCheckpointId: string | null;
}

/**
 * Removes root checkpoints of a thread, with their pending writes and every channel value and
 * message that only they needed (a list of messages is stored as what changed since another one, so
 * what a kept checkpoint needs is not only what it points to: see message-lists), and gives the
 * checkpoints in `relink` their new parents. Several statements: run it inside a transaction.
 */
export async function removeCheckpoints(db: Queryable, schema: string, threadId: string, checkpointIds: string[], relink: Relink[] = []): Promise<void> {
  if (checkpointIds.length === 0) return;
  const sql = removeCheckpointsSql(schema);
  await db.query(sql.steps.writes, [threadId, checkpointIds]);
  await db.query(sql.steps.checkpointsAndBlobs, [threadId, checkpointIds]);
  await db.query(sql.steps.messages, [threadId]);
  if (relink.length > 0) {
    await db.query(sql.steps.relink, [threadId, relink.map((r) => r.checkpointId), relink.map((r) => r.parentCheckpointId)]);
  }
}

/**
 * Removes threads' checkpoints, pending writes, channel values and messages, in one statement. A
 * saver that wrote or read them still remembers their lists: its next write on one of these thread
 * ids finds its base gone and writes the list whole (see ThreadloomSaver.putCheckpoint).
 */
export async function removeThreads(db: Queryable, schema: string, threadIds: string[]): Promise<void> {
  if (threadIds.length > 0) await db.query(removeCheckpointsSql(schema).deleteThreads, [threadIds]);
}
