import type { StoredMessage, ThreadRow } from "./conversation-repository.js";
import type { MessageRow } from "./message-row.js";

/**
 * A thread's UUID as the API shows it: the one it is known by, when its owner asked for a UUID
 * another owner's thread has (migration 0010), else its own. Its storage key is never shown then.
 */
export const threadUuid = (t: Pick<ThreadRow, "threadId" | "knownAs">): string => t.knownAs ?? t.threadId;

/** The id native responses show for a thread: the client's own when it chose one, else its UUID. */
export const publicThreadId = (t: Pick<ThreadRow, "threadId" | "clientThreadId" | "knownAs">): string => t.clientThreadId ?? threadUuid(t);

/**
 * The public JSON shape of a thread (snake_case, like the rest of the API), with both of its ids:
 * `thread_uuid` is its checkpoint and Agent Server id.
 */
export function threadJson(t: ThreadRow) {
  return {
    thread_id: publicThreadId(t),
    thread_uuid: threadUuid(t),
    client_thread_id: t.clientThreadId,
    title: t.title,
    graph_id: t.graphId,
    assistant_id: t.assistantId,
    status: t.status,
    metadata: t.metadata,
    message_count: t.messageCount,
    head_checkpoint_id: t.headCheckpointId,
    created_at: t.createdAt.toISOString(),
    updated_at: t.updatedAt.toISOString(),
  };
}

/** What every message shape of the API starts with, mirrored or read from a checkpoint. */
export function messageCoreJson(m: MessageRow) {
  const toolCalls = m.parts?.tool_calls as unknown[] | undefined;
  return {
    id: m.messageId,
    role: m.role,
    content: m.content,
    ...(toolCalls ? { tool_calls: toolCalls } : {}),
    ...(m.toolCallId ? { tool_call_id: m.toolCallId } : {}),
    ...(m.name ? { name: m.name } : {}),
    metadata: m.metadata,
    status: m.status,
  };
}

/** The public JSON shape of a mirrored message. */
export function messageJson(m: StoredMessage) {
  return {
    ...messageCoreJson(m),
    usage: m.totalTokens === null ? null : { input_tokens: m.inputTokens, output_tokens: m.outputTokens, total_tokens: m.totalTokens },
    model: m.model,
    provider_id: m.providerId,
    latency_ms: m.latencyMs,
    ttft_ms: m.ttftMs,
    parent_id: m.parentId,
    checkpoint_id: m.checkpointId,
    ...(m.siblings ? { siblings: m.siblings } : {}),
    created_at: m.createdAt.toISOString(),
  };
}

export type MessageJson = ReturnType<typeof messageJson>;
