import type pg from "pg";
import { ConversationRepository, type ThreadStatus } from "../conversations/conversation-repository.js";
import { inTransaction } from "../db/queryable.js";
import { AppError, notFound } from "../errors.js";

/**
 * Runs `fn` holding the thread's row lock with no run in progress: the way to write to a thread's
 * state without running the graph (append, update, switch head). A run's claim references the
 * thread's row, so it waits for the lock; a run already holding the slot is a 409.
 */
export async function withThreadSlot<T>(
  pool: pg.Pool,
  threadId: string,
  fn: (conversations: ConversationRepository, status: ThreadStatus, shownId: string) => Promise<T>,
): Promise<T> {
  return inTransaction(pool, async (client) => {
    const conversations = new ConversationRepository(client);
    const slot = await conversations.lockThread(threadId);
    if (!slot) throw notFound("Thread", threadId);
    if (slot.runningRunId) {
      throw new AppError("conflict", `Thread ${slot.shownId} has a run in progress (${slot.runningRunId}); wait for it to end or cancel it.`, { running_run_id: slot.runningRunId });
    }
    return fn(conversations, slot.status, slot.shownId);
  });
}
