import type { Queryable } from "../db/queryable.js";
import type { Usage } from "../streaming/run-event.js";
import { AppError } from "../errors.js";
import type { MessageRow } from "./message-row.js";
import * as sql from "./conversation-sql.js";

export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";

export interface Owner {
  tenantId: string;
  userId: string;
}

export interface ThreadRow {
  threadId: string;
  tenantId: string;
  userId: string;
  graphId: string;
  assistantId: string;
  title: string | null;
  metadata: Record<string, unknown>;
  status: ThreadStatus;
  headCheckpointId: string | null;
  messageCount: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredMessage extends MessageRow {
  checkpointId: string | null;
  createdAt: Date;
}

/** How a run ended, recorded with the projection of what it produced. */
export interface RunOutcome {
  runId: string;
  status: string;
  usage: Usage;
  ttftMs: number | null;
  latencyMs: number;
  error?: { code: string; message: string };
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The conversation mirror: threads and their messages, scoped to an owner. */
export class ConversationRepository {
  constructor(private readonly pool: Queryable) {}

  /** The owner's thread, or null: another owner's thread is indistinguishable from a missing one. */
  async findThread(threadId: string, owner: Owner): Promise<ThreadRow | null> {
    const { rows } = await this.pool.query(sql.SELECT_THREAD, [threadId, owner.tenantId, owner.userId]);
    return rows[0] ? toThread(rows[0]) : null;
  }

  async listThreads(owner: Owner, options: { limit: number; cursor?: string }): Promise<Page<ThreadRow>> {
    const [at, id] = options.cursor ? decodeCursor(options.cursor) : [null, null];
    const { rows } = await this.pool.query(sql.LIST_THREADS, [owner.tenantId, owner.userId, at, id, options.limit + 1]).catch((err: { code?: string }) => {
      // A cursor's shape is checked here, but PostgreSQL judges its values (2026-02-30 has the
      // shape of a date): a failed cast can only come from a forged cursor.
      throw at !== null && CAST_FAILURES.has(err.code ?? "") ? malformedCursor() : err;
    });
    const items = rows.slice(0, options.limit);
    const last = items.at(-1);
    return {
      items: items.map(toThread),
      nextCursor: rows.length > options.limit && last ? encodeCursor(last.cursor_at, last.thread_id) : null,
    };
  }

  async headMessages(threadId: string): Promise<StoredMessage[]> {
    const { rows } = await this.pool.query(sql.SELECT_HEAD_MESSAGES, [threadId]);
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
  async project(threadId: string, messages: MessageRow[], checkpointId: string | null, status: ThreadStatus, run?: RunOutcome): Promise<void> {
    const col = <K extends keyof MessageRow>(k: K) => messages.map((m) => m[k]);
    const json = (k: "parts" | "metadata") => messages.map((m) => (m[k] === null ? null : JSON.stringify(m[k])));
    const title = messages.find((m) => m.role === "user" && m.content.trim())?.content.trim().replace(/\s+/g, " ").slice(0, 80) ?? null;
    await this.pool.query(sql.PROJECT_THREAD, [
      threadId, col("messageId"), col("role"), col("content"), json("parts"), col("toolCallId"), col("name"),
      json("metadata"), col("inputTokens"), col("outputTokens"), col("totalTokens"), col("latencyMs"), col("ttftMs"),
      col("model"), col("status"), col("parentId"), col("position"), checkpointId, title, status,
      run?.runId ?? null, run?.status ?? null, run?.usage.input_tokens ?? 0, run?.usage.output_tokens ?? 0,
      run?.usage.total_tokens ?? 0, run?.ttftMs ?? null, run?.latencyMs ?? null, run?.error ?? null,
    ]);
  }

  /** Of the given threads, those whose mirror is behind their newest checkpoint, with that checkpoint. */
  async staleThreads(threadIds: string[]): Promise<{ threadId: string; checkpointId: string }[]> {
    if (threadIds.length === 0) return [];
    const { rows } = await this.pool.query(sql.SELECT_STALE_THREAD, [threadIds]);
    return rows.map((r) => ({ threadId: r.thread_id, checkpointId: r.checkpoint_id }));
  }
}

function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && !Number.isNaN(Date.parse(value[0])) && /^[0-9a-f-]{36}$/i.test(value[1])) {
      return value as [string, string];
    }
  } catch {
    // fall through to the error below
  }
  throw malformedCursor();
}

const CAST_FAILURES = new Set(["22P02", "22007", "22008"]);

function malformedCursor(): AppError {
  return new AppError("invalid_request", "The cursor is not one this service issued.", { fields: [{ name: "cursor", reason: "malformed" }] });
}

function toThread(r: Record<string, any>): ThreadRow {
  return {
    threadId: r.thread_id, tenantId: r.tenant_id, userId: r.user_id, graphId: r.graph_id, assistantId: r.assistant_id,
    title: r.title, metadata: r.metadata, status: r.status, headCheckpointId: r.head_checkpoint_id,
    messageCount: r.message_count, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}

function toMessage(r: Record<string, any>): StoredMessage {
  return {
    messageId: r.message_id, role: r.role, content: r.content, parts: r.parts, toolCallId: r.tool_call_id, name: r.name,
    metadata: r.metadata, inputTokens: r.input_tokens, outputTokens: r.output_tokens, totalTokens: r.total_tokens,
    latencyMs: r.latency_ms, ttftMs: r.ttft_ms, model: r.model, status: r.status, parentId: r.parent_id,
    position: r.position, checkpointId: r.checkpoint_id, createdAt: r.created_at,
  };
}
