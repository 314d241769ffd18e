import type pg from "pg";
import { inTransaction } from "../db/queryable.js";
import { ConversationRepository, type Owner, type StoredMessage, type ThreadRow } from "./conversation-repository.js";
import type { MetadataFilter } from "./metadata-contains.js";

export interface ExportedThread {
  thread: ThreadRow;
  /** The head branch, as a read of the thread shows it. */
  messages: StoredMessage[];
}

export interface ExportBatchOptions {
  batchSize: number;
  /** Brings threads whose mirror is behind their checkpoints up to date (a crashed run's thread). */
  repair?: (threadIds: string[]) => Promise<void>;
  /** Only threads whose metadata contains this (an auth handler's filter). */
  visible?: MetadataFilter;
}

/**
 * Every thread of the owner with its head-branch messages, `batchSize` threads at a time, in creation
 * order (a keyset that updates during the export cannot disturb). Each batch is read in one snapshot,
 * so a thread and its messages agree even if a run ends meanwhile; no connection is held between
 * batches, while the caller writes one out.
 */
export async function* threadExportBatches(pool: pg.Pool, owner: Owner, options: ExportBatchOptions): AsyncGenerator<ExportedThread[]> {
  const conversations = new ConversationRepository(pool);
  let after: [string, string] | null = null;
  do {
    let batch = await readBatch(pool, owner, after, options.batchSize, options.visible);
    if (options.repair) {
      const stale = await conversations.staleThreads(batch.threads.map((t) => t.thread.threadId));
      if (stale.length > 0) {
        await options.repair(stale.map((s) => s.threadId));
        batch = await readBatch(pool, owner, after, options.batchSize, options.visible);
      }
    }
    if (batch.threads.length > 0) yield batch.threads;
    after = batch.next;
  } while (after);
}

async function readBatch(pool: pg.Pool, owner: Owner, after: [string, string] | null, size: number, visible?: MetadataFilter) {
  return inTransaction(pool, async (client) => {
    await client.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    const conversations = new ConversationRepository(client);
    const { items, next } = await conversations.threadBatch(owner, after, size, visible);
    const threads: ExportedThread[] = [];
    // One query a thread, the same one a thread read uses, so each line equals that thread's export.
    for (const thread of items) threads.push({ thread, messages: await conversations.headMessages(thread.threadId) });
    return { threads, next };
  });
}
