import { randomUUID } from "node:crypto";
import type pg from "pg";
import { ConversationRepository, type Owner, type ThreadRow } from "../conversations/conversation-repository.js";
import { HistoryRepository, nextNodes, writersOf } from "../conversations/history-repository.js";
import { langchainMessageJson } from "../conversations/langchain-message-json.js";
import { toMessageRows } from "../conversations/message-row.js";
import { publicThreadId, threadUuid } from "../conversations/thread-json.js";
import { inTransaction } from "../db/queryable.js";
import { withThreadSlot } from "./with-thread-slot.js";
import { missingCheckpoint, refusePruned } from "../retention/missing-checkpoint.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import { AppError, notFound } from "../errors.js";
import type { AnyGraph, GraphRegistry } from "./graph-registry.js";
import { messagesIn, messagesKey } from "./messages-channel.js";
import { wireJson } from "../agent-api/wire-json.js";

export interface ThreadBranchesDeps {
  pool: pg.Pool;
  graphs: GraphRegistry;
  checkpointer: ThreadloomSaver;
}

/**
 * A thread's checkpoints as something to look at and move between: history, the state at any
 * checkpoint, switching the head branch, forking. Runs from a checkpoint (edit, regenerate) go
 * through the run manager; this moves the head without running anything.
 */
export class ThreadBranches {
  private readonly history: HistoryRepository;
  private readonly conversations: ConversationRepository;

  constructor(private readonly deps: ThreadBranchesDeps) {
    this.history = new HistoryRepository(deps.pool);
    this.conversations = new ConversationRepository(deps.pool);
  }

  /** The thread's graph (a factory's, built for the thread). */
  private graphOf(thread: ThreadRow) {
    return this.deps.graphs.forThread(thread.graphId, thread.threadId);
  }

  async listHistory(thread: ThreadRow, page: { limit: number; cursor?: string }) {
    const triggers = triggersOf(await this.graphOf(thread));
    const { items, nextCursor } = await this.history.listCheckpoints(thread.threadId, page);
    return {
      checkpoints: items.map((c) => ({
        checkpoint_id: c.checkpointId, parent_checkpoint_id: c.parentCheckpointId, created_at: c.createdAt, step: c.step,
        source: c.source, writers: writersOf(c, triggers), next: nextNodes(c, triggers), added_message_ids: c.addedMessageIds,
      })),
      next_cursor: nextCursor,
    };
  }

  /** The state at a checkpoint (the head when none is given): messages, other values, what runs next. */
  async state(thread: ThreadRow, checkpointId?: string) {
    if (checkpointId) await this.requireCheckpoint(thread.threadId, checkpointId);
    const graph = await this.graphOf(thread);
    const snapshot = await graph.getState({ configurable: { thread_id: thread.threadId, ...(checkpointId ? { checkpoint_id: checkpointId } : {}) } });
    const key = messagesKey(graph);
    const values = { ...(snapshot.values as Record<string, unknown>) };
    const messages = messagesIn(values, key);
    if (key) delete values[key];
    return {
      checkpoint_id: snapshot.config.configurable?.checkpoint_id ?? null,
      parent_checkpoint_id: snapshot.parentConfig?.configurable?.checkpoint_id ?? null,
      created_at: snapshot.createdAt ?? null,
      step: snapshot.metadata?.step ?? null,
      next: snapshot.next,
      interrupts: snapshot.tasks.flatMap((t) => t.interrupts.map((i) => ({ id: i.id, value: i.value }))),
      // The conversation as `messages`, whatever the graph calls it; a graph without one has none.
      values: { ...wireJson(values) as object, messages: messages.map(langchainMessageJson) },
    };
  }

  /** The checkpoint a message's branch ends at: what "switch to this branch" means for a message. */
  async branchOfMessage(threadId: string, messageId: string): Promise<string> {
    const where = await this.history.messageCheckpoints(threadId, messageId);
    if (!where?.checkpointId) throw notFound("Message", messageId);
    return (await this.history.branchTip(threadId, where.checkpointId)) ?? where.checkpointId;
  }

  /** The checkpoint before a message appeared: where an edit (user) or a regeneration (assistant) runs from. */
  async checkpointBefore(threadId: string, messageId: string, role: "user" | "assistant"): Promise<string> {
    const where = await this.history.messageCheckpoints(threadId, messageId);
    if (!where) throw notFound("Message", messageId);
    if (where.role !== role) {
      throw new AppError("invalid_request", `Message ${messageId} is a ${where.role} message; only ${role} messages can be ${role === "user" ? "edited" : "regenerated"}.`, { fields: [{ name: "message_id", reason: `not a ${role} message` }] });
    }
    // Its checkpoint pruned by retention: the one before it cannot be found from it any more.
    if (!where.before && where.checkpointId) await refusePruned(this.deps.pool, threadId, where.checkpointId);
    if (!where.before) throw new AppError("conflict", `Message ${messageId} has no checkpoint before it to run from.`);
    return where.before;
  }

  /**
   * Makes the branch through `checkpointId` the thread's head without running anything: a copy of
   * that checkpoint becomes the newest one, and the mirror follows. Holds the thread's row lock so
   * no run can start meanwhile.
   */
  async switchHead(thread: ThreadRow, checkpointId: string): Promise<void> {
    await this.requireCheckpoint(thread.threadId, checkpointId);
    const graph = await this.graphOf(thread);
    await withThreadSlot(this.deps.pool, thread.threadId, async (conversations) => {
      await graph.updateState({ configurable: { thread_id: thread.threadId, checkpoint_id: checkpointId } }, undefined, "__copy__");
      await this.project(graph, thread.threadId, conversations, "idle");
    });
  }

  /**
   * A new thread of the same owner holding the branch up to `checkpointId` (default: the head), with
   * the original's metadata marked with where it came from; `admit`, if given, sees that metadata
   * and the new id first and returns the metadata to store (an auth handler's stamps) or throws.
   */
  async fork(thread: ThreadRow, owner: Owner, checkpointId?: string, admit?: (metadata: Record<string, unknown>, threadId: string) => Promise<Record<string, unknown>>): Promise<ThreadRow> {
    const at = checkpointId ?? thread.headCheckpointId;
    if (!at) throw new AppError("conflict", `Thread ${publicThreadId(thread)} has no checkpoint to fork from yet.`);
    await this.requireCheckpoint(thread.threadId, at);
    const newThreadId = randomUUID();
    const proposed = { ...thread.metadata, forked_from: threadUuid(thread), forked_at_checkpoint: at };
    const metadata = admit ? await admit(proposed, newThreadId) : proposed;
    // Messages keep the checkpoints they first appeared in: the copy has the same checkpoint ids.
    const appeared = new Map((await this.conversations.allMessages(thread.threadId)).map((m) => [m.messageId, m.checkpointId ?? ""]));
    await inTransaction(this.deps.pool, async (client) => {
      const conversations = new ConversationRepository(client);
      // Deleted since it was read: as missing as if it had been gone before.
      if (!(await conversations.insertFork(thread.threadId, newThreadId, metadata))) throw notFound("Thread", publicThreadId(thread));
      await this.deps.checkpointer.copyBranch(thread.threadId, newThreadId, at);
    });
    const graph = await this.graphOf(thread);
    await this.project(graph, newThreadId, this.conversations, "idle", appeared);
    const forked = await this.conversations.findThread(newThreadId, owner);
    if (!forked) throw new Error(`forked thread ${newThreadId} vanished`);
    return forked;
  }

  private async project(graph: AnyGraph, threadId: string, conversations: ConversationRepository, status: "idle" | "interrupted", appeared?: ReadonlyMap<string, string>) {
    const state = await graph.getState({ configurable: { thread_id: threadId } });
    const checkpointId = (state.config.configurable?.checkpoint_id as string | undefined) ?? null;
    const paused = state.tasks.some((t) => t.interrupts.length > 0);
    await conversations.project(threadId, toMessageRows(messagesIn(state.values, messagesKey(graph))), checkpointId, paused ? "interrupted" : status, undefined, appeared);
  }

  private async requireCheckpoint(threadId: string, checkpointId: string): Promise<void> {
    if (!(await this.history.checkpointExists(threadId, checkpointId))) throw await missingCheckpoint(this.deps.pool, threadId, checkpointId);
  }
}

/** Each node's trigger channels, from the compiled graph: what `next` is computed from. */
function triggersOf(graph: AnyGraph): Record<string, string[]> {
  return Object.fromEntries(Object.entries(graph.nodes).map(([name, node]) => [name, [...(node as { triggers: string[] }).triggers]]));
}
