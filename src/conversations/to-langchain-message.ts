import { randomUUID } from "node:crypto";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import type { MessageRole } from "./message-row.js";

/** A message written into a thread by a client, not produced by a run. */
export interface NewMessage {
  role: MessageRole;
  content: string;
  metadata?: Record<string, unknown>;
  id?: string;
  /** Required for, and only for, a tool message: the tool call it answers. */
  toolCallId?: string;
  name?: string;
  /** What an imported assistant message carried: its tool calls, usage, model, timing and status. */
  toolCalls?: { id: string; name: string; args: Record<string, unknown> }[];
  usage?: { input_tokens: number; output_tokens: number; total_tokens: number } | null;
  model?: string | null;
  /** The tenant's model provider that answered it (in another deployment, an export's provider may not exist here). */
  providerId?: string | null;
  latencyMs?: number | null;
  ttftMs?: number | null;
  status?: "complete" | "partial" | "error";
}

/**
 * The LangChain message a client's message becomes in the checkpoint state. Custom metadata goes in
 * `additional_kwargs.metadata`, where the chat route puts it and `toMessageRows` reads it back;
 * a message without an id gets one, since the mirror keys messages by id.
 */
export function toLangChainMessage(message: NewMessage): BaseMessage {
  const fields = {
    id: message.id ?? randomUUID(),
    content: message.content,
    additional_kwargs: message.metadata ? { metadata: message.metadata } : {},
    ...(message.name ? { name: message.name } : {}),
  };
  switch (message.role) {
    case "user":
      return new HumanMessage(fields);
    case "assistant":
      return new AIMessage({
        ...fields,
        ...(message.toolCalls?.length ? { tool_calls: message.toolCalls.map((c) => ({ ...c, type: "tool_call" as const })) } : {}),
        ...(message.usage ? { usage_metadata: message.usage } : {}),
        response_metadata: {
          ...(message.model ? { model_name: message.model } : {}),
          ...(message.providerId ? { provider_id: message.providerId } : {}),
          ...(message.latencyMs != null ? { timing: { latency_ms: message.latencyMs, ttft_ms: message.ttftMs ?? null } } : {}),
          ...(message.status && message.status !== "complete" ? { threadloom_status: message.status } : {}),
        },
      });
    case "system":
      return new SystemMessage(fields);
    case "tool":
      if (!message.toolCallId) throw new Error("a tool message needs the id of the tool call it answers");
      return new ToolMessage({ ...fields, tool_call_id: message.toolCallId });
    default: {
      const never: never = message.role;
      throw new Error(`unknown role ${String(never)}`);
    }
  }
}
