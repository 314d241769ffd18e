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
  /** The tenant's model provider that answered (its reply's `response_metadata.provider_id`); null: the environment's model. */
  providerId: string | null;
  status: MessageStatus;
  parentId: string | null;
  position: number;
}

const ROLES: Record<string, MessageRole> = { human: "user", user: "user", ai: "assistant", assistant: "assistant", tool: "tool", system: "system" };

/**
 * Plain text of a message, whether its content is a string or a list of content blocks. Whatever
 * else a checkpoint may hold as content (written before inputs were checked, or by hand) has none.
 */
export function messageText(message: BaseMessage): string {
  const content: unknown = message.content;
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content.map((part) => (part?.type === "text" && typeof part.text === "string" ? part.text : "")).join("");
}

// PostgreSQL text cannot hold NUL, and a model's output may contain one: it must not break the mirror.
const stripNul = (text: string) => (text.includes("\u0000") ? text.replaceAll("\u0000", "") : text);

/** The same for JSON, where NUL appears as an escape (one not itself escaped by a backslash). */
function stripJsonNul<T>(value: T): T {
  const json = JSON.stringify(value);
  return json.includes("\\u0000") ? (JSON.parse(json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, "$1")) as T) : value;
}

/**
 * Projects checkpoint messages (the head branch, in order) into mirror rows. Pure. It never throws on
 * what a checkpoint holds: an entry that is not a message (a plain object, null) still becomes a row,
 * so the thread can always be read, exported and deleted.
 */
export function toMessageRows(messages: unknown): MessageRow[] {
  const list: unknown[] = Array.isArray(messages) ? messages : [];
  const ids = list.map(idOf);
  return list.map((entry, position) => {
    const message = asMessage(entry);
    const meta = (message.response_metadata ?? {}) as Record<string, any>;
    const usage = "usage_metadata" in message ? (message.usage_metadata as Record<string, number> | undefined) : undefined;
    const toolCalls = "tool_calls" in message && Array.isArray(message.tool_calls) && message.tool_calls.length ? message.tool_calls : undefined;
    const parts = {
      ...(toolCalls ? { tool_calls: toolCalls.map((call) => ({ id: call?.id, name: call?.name, args: call?.args })) } : {}),
      ...(Array.isArray(message.content) ? { content: message.content } : {}),
    };
    return {
      messageId: ids[position]!,
      role: ROLES[message.getType()] ?? "system",
      content: stripNul(messageText(message)),
      parts: Object.keys(parts).length ? stripJsonNul(parts) : null,
      toolCallId: "tool_call_id" in message && message.tool_call_id != null ? String(message.tool_call_id) : null,
      name: typeof message.name === "string" ? message.name : null,
      metadata: objectOrEmpty(message.additional_kwargs?.metadata),
      inputTokens: integer(usage?.input_tokens),
      outputTokens: integer(usage?.output_tokens),
      totalTokens: integer(usage?.total_tokens),
      latencyMs: integer(meta.timing?.latency_ms),
      ttftMs: integer(meta.timing?.ttft_ms),
      model: [meta.model_name, meta.model].find((m) => typeof m === "string") ?? null,
      providerId: typeof meta.provider_id === "string" && UUID.test(meta.provider_id) ? meta.provider_id.toLowerCase() : null,
      status: STATUSES.has(meta.threadloom_status) ? meta.threadloom_status : "complete",
      parentId: position > 0 ? ids[position - 1]! : null,
      position,
    };
  });
}

/**
 * LangGraph's messages reducer gives every stored message an id; an entry without one (not a
 * message at all) is named by its position, which is stable for as long as it stays there.
 */
function idOf(entry: unknown, position: number): string {
  const id = (entry as { id?: unknown } | null)?.id;
  return typeof id === "string" && id !== "" ? id : `invalid-${position}`;
}

/** A LangChain message as is; anything else seen through the same fields (its `type` or `role` naming the kind). */
function asMessage(entry: unknown): BaseMessage {
  if (typeof (entry as BaseMessage | null)?.getType === "function") return entry as BaseMessage;
  const fields = entry !== null && typeof entry === "object" ? (entry as Record<string, unknown>) : { content: typeof entry === "string" ? entry : "" };
  const kind = typeof fields.type === "string" ? fields.type : typeof fields.role === "string" ? fields.role : "";
  return { ...fields, getType: () => kind } as unknown as BaseMessage;
}

// The column is a uuid: anything else a checkpoint holds there is not recorded, rather than fail the mirror.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const STATUSES = new Set<unknown>(["complete", "partial", "error"] satisfies MessageStatus[]);

/** A count the mirror's integer columns can hold, or null. */
function integer(value: unknown): number | null {
  return Number.isSafeInteger(value) && Math.abs(value as number) < 2 ** 31 ? (value as number) : null;
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
