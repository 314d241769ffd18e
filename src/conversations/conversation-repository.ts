import { randomUUID } from "node:crypto";
import { castFailureToMalformed, decodeCursor, encodeCursor } from "../db/keyset-cursor.js";
import { prepared } from "../db/prepared.js";
import type { Queryable } from "../db/queryable.js";
import { refused, type RunClaim } from "../runs/run-claim.js";
import type { Usage } from "../streaming/run-event.js";
import type { MessageRow } from "./message-row.js";
import type { MetadataFilter } from "./metadata-contains.js";
import * as sql from "./conversation-sql.js";

// Read on every turn before the model is asked: planned once per connection (see prepared).
const SELECT_NAMED_THREAD = prepared(sql.SELECT_NAMED_THREAD);

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

export interface Owner {
  tenantId: string;
  userId: string;
}

export interface ThreadRow {
  threadId: string;
  /** The id a native client gave the thread when it started it, if it chose one. */
  clientThreadId: string | null;
  /** The UUID it is known by when its owner asked for one another owner's thread has (migration 0010); null otherwise. */
  knownAs: string | null;
  tenantId: string;
  userId: string;
  graphId: string;
  /** False for a thread the Agent Server API made without a graph: its first run's graph becomes its own. */
  graphChosen: boolean;
  assistantId: string;
  title: string | null;
  metadata: Record<string, unknown>;
  status: ThreadStatus;
  headCheckpointId: string | null;
  messageCount: number;
  createdAt: Date;
  updatedAt: Date;
  /** Read by the finds of one thread: whether its mirror is behind its newest checkpoint (see staleThreads). */
  mirrorBehind?: boolean;
}

export interface StoredMessage extends MessageRow {
  checkpointId: string | null;
  onHeadBranch: boolean;
  createdAt: Date;
  /** The messages following the same parent on any branch, this one included (head reads only). */
  siblings?: { count: number; index: number; ids: string[] };
}

/** How a run ended, recorded with the projection of what it produced. */
export interface RunOutcome {
  runId: string;
  status: string;
  usage: Usage;
  ttftMs: number | null;
  latencyMs: number;
  /** `detail`: the cause as logged (secrets masked), kept for operators; clients get `message`. */
  error?: { code: string; message: string; detail?: string; raised?: { name: string; message: string } };
  /** The claim the run executes under: nothing is written unless it still holds it. */
  claim?: RunClaim;
  /** The thread's title when it has no user message to take one from (a graph that keeps no messages): its input, shortened. */
  inputTitle?: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a thread list can be narrowed to; an absent filter is off. */
export interface ThreadFilters {
  status?: ThreadStatus;
  /** Threads whose metadata contains this object (`@>`). */
  metadata?: Record<string, unknown>;
  /** A full-text query in web-search syntax that a message of any branch must match. */
  q?: string;
  /** Threads whose metadata contains what an auth handler allows. */
  visible?: MetadataFilter;
  /** Threads made with this assistant (a graph id or a stored assistant's UUID), as the list shows it. */
  assistantId?: string;
  graphId?: string;
}

/** A listed thread; with a query, its best-matching message (of any branch) and a snippet of it. */
export interface ListedThread extends ThreadRow {
  match: { messageId: string; snippet: string; onHeadBranch: boolean } | null;
}

/** The conversation mirror: threads and their messages, scoped to an owner. */
export class ConversationRepository {
  constructor(private readonly pool: Queryable) {}

  async insertImported(input: { threadId: string; owner: Owner; graphId: string; assistantId: string; title: string | null; metadata: Record<string, unknown> }): Promise<ThreadRow> {
    const { rows } = await this.pool.query(sql.INSERT_IMPORTED_THREAD, [
      input.threadId, input.owner.tenantId, input.owner.userId, input.graphId, input.assistantId, input.title, input.metadata,
    ]);
    return toThread(rows[0]);
  }

  /** Adds a batch of an import's messages; head-branch ones at `checkpointId`. */
  async insertImportedMessages(threadId: string, rows: (MessageRow & { createdAt: string; onHeadBranch: boolean })[], checkpointId: string | null): Promise<void> {
    const json = rows.map((m) => ({
      message_id: m.messageId, role: m.role, content: m.content, parts: m.parts, tool_call_id: m.toolCallId, name: m.name, metadata: m.metadata,
      input_tokens: m.inputTokens, output_tokens: m.outputTokens, total_tokens: m.totalTokens, latency_ms: m.latencyMs, ttft_ms: m.ttftMs,
      model: m.model, provider_id: m.providerId, status: m.status, parent_id: m.parentId, position: m.position, on_head_branch: m.onHeadBranch, created_at: m.createdAt,
    }));
    await this.pool.query(sql.INSERT_IMPORTED_MESSAGES, [threadId, JSON.stringify(json), checkpointId]);
  }

  /** Finishes an import: the thread's head is `checkpointId`, with the head branch `head`. */
  async finishImport(threadId: string, head: MessageRow[], checkpointId: string | null): Promise<void> {
    await this.pool.query(sql.FINISH_IMPORTED_THREAD, [threadId, head.length, checkpointId, titleOf(head)]);
  }

  /** A new thread of the same owner as `fromThreadId`, with `metadata`; null when that thread is gone. */
  async insertFork(fromThreadId: string, newThreadId: string, metadata: Record<string, unknown>): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.INSERT_FORKED_THREAD, [fromThreadId, newThreadId, JSON.stringify(metadata)]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /** The owner's thread, or null: another owner's thread is indistinguishable from a missing one. */
  async findThread(threadId: string, owner: Owner): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.SELECT_THREAD, [threadId, owner.tenantId, owner.userId]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /** The owner's threads of an assistant: made with it, or naming it in their metadata. */
  async assistantThreads(owner: Owner, assistantId: string): Promise<ThreadRow[]> {
    const { rows } = await this.pool.query(sql.SELECT_ASSISTANT_THREADS, [owner.tenantId, owner.userId, assistantId]);
    return rows.map(toThread);
  }

  /** The owner's thread the Agent Server API names `id`: by its UUID or the one it is known by. Null otherwise. */
  async findAgentThread(id: string, owner: Owner): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.SELECT_AGENT_THREAD, [id, owner.tenantId, owner.userId]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /** The owner's thread that a native client names `id`: by its UUID, or by the client's own id. */
  async findNamedThread(id: string, owner: Owner): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query({ ...SELECT_NAMED_THREAD, values: [id, owner.tenantId, owner.userId, UUID.test(id) ? id : null] });
    return rows[0] ? toThread(rows[0]) : null;
  }

  async listThreads(owner: Owner, options: { limit: number; cursor?: string } & ThreadFilters): Promise<Page<ListedThread>> {
    const [at, id] = options.cursor ? decodeCursor(options.cursor) : [null, null];
    const { rows } = await this.pool
      .query(sql.LIST_THREADS, [owner.tenantId, owner.userId, at, id, options.limit + 1, ...filterParams(options)])
      .catch((err: { code?: string }) => (at === null ? Promise.reject(err) : castFailureToMalformed(err)));
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items: items.map((r) => ({ ...toThread(r), match: r.match_message_id ? { messageId: r.match_message_id, snippet: r.match_snippet, onHeadBranch: r.match_on_head_branch } : null })),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.cursor_at, last.thread_id) : null,
    };
  }

  /** How many of the owner's threads pass the filters, over all pages. */
  async countThreads(owner: Owner, filters: ThreadFilters): Promise<number> {
    const { rows } = await this.pool.query(sql.COUNT_THREADS, [owner.tenantId, owner.userId, ...filterParams(filters)]);
    return rows[0].total;
  }

  /**
   * Every thread of the owner (whose metadata contains `visible`, if given), in creation order,
   * `limit` at a time after `after` (the previous batch's `next`).
   */
  async threadBatch(owner: Owner, after: [string, string] | null, limit: number, visible?: MetadataFilter): Promise<{ items: ThreadRow[]; next: [string, string] | null }> {
    const { rows } = await this.pool.query(sql.SELECT_THREAD_BATCH, [owner.tenantId, owner.userId, after?.[0] ?? null, after?.[1] ?? null, limit, jsonOrNull(visible)]);
    const last = rows.at(-1);
    return { items: rows.map(toThread), next: rows.length === limit && last ? [last.created_cursor, last.thread_id] : null };
  }

  /** Sets the title and merges the metadata (a key set to null is removed); null if the owner has no such thread. */
  async updateThread(threadId: string, owner: Owner, patch: { title?: string; metadata?: Record<string, unknown> }): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.UPDATE_THREAD, [
      threadId, owner.tenantId, owner.userId, patch.title ?? null, patch.metadata ? JSON.stringify(patch.metadata) : null,
    ]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /**
   * Inside a transaction: locks the thread's row, which keeps any run from claiming its slot until
   * the transaction ends; returns its status, the run already holding the slot if any, and its shown id.
   */
  async lockThread(threadId: string): Promise<{ status: ThreadStatus; runningRunId: string | null; shownId: string } | null> {
    const { rows } = await this.pool.query(sql.LOCK_THREAD, [threadId]);
    if (!rows[0]) return null;
    const running = await this.pool.query(sql.SELECT_RUNNING_RUN, [threadId]);
    // The id messages about the thread name it by: never its key when it is known by another.
    const shownId: string = rows[0].client_thread_id ?? rows[0].known_as ?? threadId;
    return { status: rows[0].status, runningRunId: running.rows[0]?.run_id ?? null, shownId };
  }

  /** Which of `messageIds` the thread has ever had, on any branch. */
  async takenMessageIds(threadId: string, messageIds: string[]): Promise<string[]> {
    const { rows } = await this.pool.query(sql.SELECT_TAKEN_MESSAGE_IDS, [threadId, messageIds]);
    return rows.map((r) => r.message_id);
  }

  async headMessages(threadId: string): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query(sql.SELECT_HEAD_MESSAGES, [threadId]);
    return rows.map((r) => ({ ...toMessage(r), siblings: { count: Number(r.sibling_count), index: Number(r.sibling_index), ids: r.sibling_ids } }));
  }

  /** Every message of every branch (the tree), oldest first. */
  async allMessages(threadId: string): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query(sql.SELECT_ALL_MESSAGES, [threadId]);
    return rows.map(toMessage);
  }

  async setStatus(threadId: string, status: ThreadStatus): Promise<void> {
    await this.pool.query(sql.SET_THREAD_STATUS, [threadId, status]);
  }

  async deleteThread(threadId: string, owner: Owner): Promise<boolean> {
    const { rowCount } = await this.pool.query(sql.DELETE_THREAD, [threadId, owner.tenantId, owner.userId]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Makes the thread's mirror equal to its head branch: `messages` in order, at `checkpointId`.
   * With `run`, the same statement records how the run that produced them ended.
   */
  async project(
    threadId: string,
    messages: MessageRow[],
    checkpointId: string | null,
    status: ThreadStatus,
    run?: RunOutcome,
    /** Where new messages first appeared; those not listed are dated to `checkpointId`. */
    firstCheckpoints?: ReadonlyMap<string, string>,
  ): Promise<{ pending: boolean }> {
    const col = <K extends keyof MessageRow>(k: K) => messages.map((m) => m[k]);
    const json = (k: "parts" | "metadata") => messages.map((m) => (m[k] === null ? null : JSON.stringify(m[k])));
    const title = titleOf(messages) ?? run?.inputTitle ?? null;
    const { rows } = await this.pool.query(sql.PROJECT_THREAD, [
      threadId, col("messageId"), col("role"), col("content"), json("parts"), col("toolCallId"), col("name"),
      json("metadata"), col("inputTokens"), col("outputTokens"), col("totalTokens"), col("latencyMs"), col("ttftMs"),
      col("model"), col("status"), col("parentId"), col("position"), checkpointId, title, status,
      run?.runId ?? null, run?.status ?? null, run?.usage.input_tokens ?? 0, run?.usage.output_tokens ?? 0,
      run?.usage.total_tokens ?? 0, run?.ttftMs ?? null, run?.latencyMs ?? null, run?.error ?? null,
      messages.map((m) => firstCheckpoints?.get(m.messageId) ?? null), run?.claim?.workerId ?? null, run?.claim?.leaseEpoch ?? null,
      col("providerId"),
    ]);
    // The run was reaped (its worker's lease expired): whoever reaped it recorded its end.
    if (run?.claim && rows.length === 0) refused(run.claim);
    // Whether runs wait in the thread's queue (the thread stays busy for them).
    return { pending: Boolean(rows[0]?.pending) };
  }

  /**
   * An empty thread for the owner under the UUID it asked for (see INSERT_AGENT_THREAD); null when
   * the owner has one with it already.
   */
  async createAgentThread(input: { threadId: string; owner: Owner; graphId: string; assistantId: string; metadata: Record<string, unknown>; graphChosen: boolean }): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.INSERT_AGENT_THREAD, [
      input.threadId, input.owner.tenantId, input.owner.userId, input.graphId, input.assistantId, input.metadata, randomUUID(), input.graphChosen,
    ]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /** An empty thread for the owner; null when the id is already taken (by this owner or another). */
  async createThread(input: { threadId: string; owner: Owner; graphId: string; assistantId: string; metadata: Record<string, unknown> }): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.INSERT_THREAD, [
      input.threadId, input.owner.tenantId, input.owner.userId, input.graphId, input.assistantId, input.metadata,
    ]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  /** The Agent Server API's thread search: its filters, sort and offset paging. */
  async searchAgentThreads(owner: Owner, filters: AgentThreadFilters, page: AgentThreadPage): Promise<ThreadRow[]> {
    const { rows } = await this.pool.query(sql.searchAgentThreads(page.sortBy, page.sortOrder), [
      ...agentFilterParams(owner, filters), page.limit, page.offset,
    ]);
    return rows.map(toThread);
  }

  async countAgentThreads(owner: Owner, filters: AgentThreadFilters): Promise<number> {
    const { rows } = await this.pool.query(sql.COUNT_AGENT_THREADS, agentFilterParams(owner, filters));
    return rows[0].total;
  }

  /** Of the given threads, those whose mirror is behind their newest checkpoint, with that checkpoint. */
  async staleThreads(threadIds: string[]): Promise<{ threadId: string; checkpointId: string }[]> {
    if (threadIds.length === 0) return [];
    const { rows } = await this.pool.query(sql.SELECT_STALE_THREAD, [threadIds]);
    return rows.map((r) => ({ threadId: r.thread_id, checkpointId: r.checkpoint_id }));
  }
}

/** The Agent Server API's thread filters; `metadata.graph_id` matches the thread's graph. */
export interface AgentThreadFilters {
  status?: ThreadStatus;
  metadata?: Record<string, unknown>;
  ids?: string[];
  /** Metadata an auth handler requires, as stored (no `graph_id` in it). */
  visible?: MetadataFilter;
}

export interface AgentThreadPage {
  limit: number;
  offset: number;
  sortBy: keyof typeof sql.AGENT_THREAD_SORTS;
  sortOrder: "asc" | "desc";
}

const agentFilterParams = (owner: Owner, f: AgentThreadFilters) => [
  owner.tenantId, owner.userId, f.status ?? null, f.metadata ? JSON.stringify(f.metadata) : null, f.ids ?? null, jsonOrNull(f.visible),
];

const jsonOrNull = (value: object | undefined) => (value === undefined ? null : JSON.stringify(value));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A thread's title when it has none: its first user message, on one line. */
const shortTitle = (text: string) => text.trim().replace(/\s+/g, " ").slice(0, 80) || null;
const titleOf = (messages: MessageRow[]) => {
  const first = messages.find((m) => m.role === "user" && m.content.trim());
  return first ? shortTitle(first.content) : null;
};

/** A title from a run's input, for a thread without messages: its text, or its JSON. */
export function inputTitle(input: unknown): string | null {
  if (input === null || input === undefined) return null;
  return shortTitle(typeof input === "string" ? input : JSON.stringify(input) ?? "");
}

const filterParams = (f: ThreadFilters) => [
  f.status ?? null, f.metadata ? JSON.stringify(f.metadata) : null, f.q ?? null, jsonOrNull(f.visible), f.assistantId ?? null, f.graphId ?? null,
];

function toThread(r: Record<string, any>): ThreadRow {
  return {
    threadId: r.thread_id, clientThreadId: r.client_thread_id, knownAs: r.known_as, tenantId: r.tenant_id, userId: r.user_id, graphId: r.graph_id, graphChosen: r.graph_chosen, assistantId: r.assistant_id,
    title: r.title, metadata: r.metadata, status: r.status, headCheckpointId: r.head_checkpoint_id,
    messageCount: r.message_count, createdAt: r.created_at, updatedAt: r.updated_at,
    ...(typeof r.mirror_behind === "boolean" && { mirrorBehind: r.mirror_behind }),
  };
}

function toMessage(r: Record<string, any>): StoredMessage {
  return {
    messageId: r.message_id, role: r.role, content: r.content, parts: r.parts, toolCallId: r.tool_call_id, name: r.name,
    metadata: r.metadata, inputTokens: r.input_tokens, outputTokens: r.output_tokens, totalTokens: r.total_tokens,
    latencyMs: r.latency_ms, ttftMs: r.ttft_ms, model: r.model, providerId: r.provider_id ?? null, status: r.status, parentId: r.parent_id,
    position: r.position, checkpointId: r.checkpoint_id, onHeadBranch: r.on_head_branch, createdAt: r.created_at,
  };
}
