import type { BaseMessage } from "@langchain/core/messages";
import type pg from "pg";
import { expect } from "vitest";
import { buildChatGraph } from "../../graphs/chat.js";
import { createCheckpointer } from "../../src/db/create-checkpointer.js";
import { createChatModel } from "../../graphs/lib/create-chat-model.js";

/** A message as both stores describe it: enough to compare the checkpoint with the mirror. */
export interface MessageSummary {
  id: string;
  role: string;
  content: string;
  status: string;
}

const ROLES: Record<string, string> = { human: "user", ai: "assistant", tool: "tool", system: "system" };
const graphs = new WeakMap<pg.Pool, ReturnType<typeof buildChatGraph>>();

// Reading state needs only the checkpointer; the model is never called (its address is unroutable).
function graphOn(pool: pg.Pool) {
  let graph = graphs.get(pool);
  if (!graph) {
    const model = createChatModel({ model: "unused", baseURL: "http://127.0.0.1:9/v1", maxRetries: 0 });
    graph = buildChatGraph({ model, checkpointer: createCheckpointer(pool) });
    graphs.set(pool, graph);
  }
  return graph;
}

/** The thread's latest checkpoint state, read the way the service reads it (`graph.getState`). */
export async function checkpointState(pool: pg.Pool, threadId: string): Promise<{ messages: BaseMessage[]; next: string[] }> {
  const state = await graphOn(pool).getState({ configurable: { thread_id: threadId } });
  return { messages: (state.values.messages ?? []) as BaseMessage[], next: [...state.next] };
}

/** The messages of the thread's checkpoint state, summarised; `status` is `threadloom_status` or "complete". */
export async function checkpointMessages(pool: pg.Pool, threadId: string): Promise<MessageSummary[]> {
  const { messages } = await checkpointState(pool, threadId);
  return messages.map((m) => ({
    id: m.id ?? "",
    role: ROLES[m.getType()] ?? m.getType(),
    content: typeof m.content === "string" ? m.content : JSON.stringify(m.content),
    status: threadloomStatus(m) ?? "complete",
  }));
}

/** What the service marked a stopped or failed reply as (`partial`, `error`); undefined on a normal message. */
export function threadloomStatus(message: BaseMessage): string | undefined {
  return (message.response_metadata as Record<string, unknown> | undefined)?.threadloom_status as string | undefined;
}

/** The mirror's head branch straight from the table (not through the API, which repairs a stale mirror). */
export async function mirrorMessages(pool: pg.Pool, threadId: string): Promise<MessageSummary[]> {
  const { rows } = await pool.query(
    "SELECT message_id AS id, role, content, status FROM messages WHERE thread_id = $1 AND on_head_branch ORDER BY position",
    [threadId],
  );
  return rows;
}

/** Asserts the mirror's head branch equals the checkpoint state, message by message; returns it. */
export async function expectMirrorMatchesCheckpoint(pool: pg.Pool, threadId: string): Promise<MessageSummary[]> {
  const [checkpoint, mirror] = await Promise.all([checkpointMessages(pool, threadId), mirrorMessages(pool, threadId)]);
  expect(mirror, "the mirror's head branch differs from the checkpoint state").toEqual(checkpoint);
  return checkpoint;
}

/** The thread's runs rows, oldest first. */
export async function runRows(pool: pg.Pool, threadId: string): Promise<{ run_id: string; status: string; error: { code: string; message: string } | null }[]> {
  const { rows } = await pool.query("SELECT run_id, status, error FROM runs WHERE thread_id = $1 ORDER BY created_at, started_at", [threadId]);
  return rows;
}

/** A message as `[role, content, status]`, for compact assertions on a transcript. */
export const summary = (m: { role: string; content: string; status: string }) => [m.role, m.content, m.status];
