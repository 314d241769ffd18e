import type { BaseMessage } from "@langchain/core/messages";

export type MessageRole = "user" | "assistant" | "tool" | "system";
export type MessageStatus = "complete" | "partial" | "error";

/** A mirrored message as stored in `messages` (camelCase here, snake_case in SQL). */
export interface MessageRow {
  messageId: string;
  role: MessageRole;
  content: string;
  parts: Record<string, unknown> | null;
  toolCallId: string | null;
  name: string | null;
  metadata: Record<string, unknown>;
  inputTokens: number | null;
  outputTokens: number | null;
  totalTokens: number | null;
  latencyMs: number | null;
  ttftMs: number | null;
  model: string | null;
  status: MessageStatus;
  parentId: string | null;
  position: number;
}

const ROLES: Record<string, MessageRole> = { human: "user", ai: "assistant", tool: "tool", system: "system" };

/** Plain text of a message, whether its content is a string or a list of content blocks. */
export function messageText(message: BaseMessage): string {
  if (typeof message.content === "string") return message.content;
  return message.content.map((part) => (part.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

// PostgreSQL text cannot hold NUL, and a model's output may contain one: it must not break the mirror.
const stripNul = (text: string) => (text.includes("\u0000") ? text.replaceAll("\u0000", "") : text);

/** The same for JSON, where NUL appears as an escape (one not itself escaped by a backslash). */
function stripJsonNul<T>(value: T): T {
  const json = JSON.stringify(value);
  return json.includes("\\u0000") ? (JSON.parse(json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1")) as T) : value;
}

/** Projects checkpoint messages (the head branch, in order) into mirror rows. Pure. */
export function toMessageRows(messages: BaseMessage[]): MessageRow[] {
  return messages.map((message, position) => {
    const meta = (message.response_metadata ?? {}) as Record<string, any>;
    const usage = "usage_metadata" in message ? (message.usage_metadata as Record<string, number> | undefined) : undefined;
    const toolCalls = "tool_calls" in message && Array.isArray(message.tool_calls) && message.tool_calls.length ? message.tool_calls : undefined;
    const parts = {
      ...(toolCalls ? { tool_calls: toolCalls.map(({ id, name, args }) => ({ id, name, args })) } : {}),
      ...(Array.isArray(message.content) ? { content: message.content } : {}),
    };
    return {
      messageId: requireId(message, position),
      role: ROLES[message.getType()] ?? "system",
      content: stripNul(messageText(message)),
      parts: Object.keys(parts).length ? stripJsonNul(parts) : null,
      toolCallId: "tool_call_id" in message ? String(message.tool_call_id) : null,
      name: message.name ?? null,
      metadata: (message.additional_kwargs?.metadata as Record<string, unknown> | undefined) ?? {},
      inputTokens: usage?.input_tokens ?? null,
      outputTokens: usage?.output_tokens ?? null,
      totalTokens: usage?.total_tokens ?? null,
      latencyMs: meta.timing?.latency_ms ?? null,
      ttftMs: meta.timing?.ttft_ms ?? null,
      model: meta.model_name ?? meta.model ?? null,
      status: meta.threadloom_status ?? "complete",
      parentId: position > 0 ? (messages[position - 1].id ?? null) : null,
      position,
    };
  });
}

function requireId(message: BaseMessage, position: number): string {
  // LangGraph's messages reducer gives every stored message an id.
  if (!message.id) throw new Error(`message at position ${position} has no id`);
  return message.id;
}
