import type { BaseMessage } from "@langchain/core/messages";
import { toMessageRows } from "./message-row.js";

/** A checkpoint's message in the API's message shape (what state reads return). */
export function langchainMessageJson(message: BaseMessage) {
  const [row] = toMessageRows([message]);
  const toolCalls = row.parts?.tool_calls as unknown[] | undefined;
  return {
    id: row.messageId,
    role: row.role,
    content: row.content,
    ...(toolCalls ? { tool_calls: toolCalls } : {}),
    ...(row.toolCallId ? { tool_call_id: row.toolCallId } : {}),
    ...(row.name ? { name: row.name } : {}),
    metadata: row.metadata,
    status: row.status,
  };
}
