import type { BaseMessage } from "@langchain/core/messages";
import type { StreamEvent } from "@langchain/core/tracers/log_stream";
import { messageText } from "../conversations/message-row.js";
import { addUsage, zeroUsage, type RunEvent, type ToolCallPart, type Usage } from "./run-event.js";

/** The reply being streamed when a run stops early: what gets saved as a partial message. */
export interface PartialReply {
  messageId: string;
  node: string;
  text: string;
}

const ROLES = { human: "user", ai: "assistant", tool: "tool", system: "system" } as const;

/**
 * Maps LangGraph `streamEvents` (v2) events to RunEvents. Stateful only in what the protocol
 * needs: token indexes per message, tool start times, the reply in flight, and usage so far.
 */
export class LangGraphEventMapper {
  usage: Usage = zeroUsage();
  private tokenIndex = new Map<string, number>();
  private toolStarts = new Map<string, { id: string; started: number }>();
  private pendingToolCalls: ToolCallPart[] = [];
  private inFlight: PartialReply | null = null;

  map(event: StreamEvent): RunEvent[] {
    const meta = event.metadata ?? {};
    const node = String(meta.langgraph_node ?? "");
    const data = event.data as Record<string, any>;
    switch (event.event) {
      case "on_chat_model_stream": {
        const text = chunkText(data.chunk);
        if (!text) return [];
        const messageId: string = data.chunk.id ?? event.run_id;
        if (this.inFlight?.messageId !== messageId) this.inFlight = { messageId, node, text: "" };
        this.inFlight.text += text;
        const index = this.tokenIndex.get(messageId) ?? 0;
        this.tokenIndex.set(messageId, index + 1);
        return [{ type: "token", content: text, index, message_id: messageId, node }];
      }
      case "on_chat_model_end":
        this.inFlight = null;
        this.usage = addUsage(this.usage, data.output?.usage_metadata);
        return [];
      case "on_tool_start": {
        // The tool call id is not in the event; match it to the model's calls by name, in order.
        const i = this.pendingToolCalls.findIndex((c) => c.name === event.name);
        const call = i >= 0 ? this.pendingToolCalls.splice(i, 1)[0] : undefined;
        const id = call?.id ?? event.run_id;
        this.toolStarts.set(event.run_id, { id, started: performance.now() });
        return [{ type: "tool_start", id, name: event.name, input: data.input }];
      }
      case "on_tool_end":
      case "on_tool_error": {
        const start = this.toolStarts.get(event.run_id);
        this.toolStarts.delete(event.run_id);
        const base = { type: "tool_end" as const, id: start?.id ?? event.run_id, name: event.name, duration_ms: start ? Math.round(performance.now() - start.started) : 0 };
        if (event.event === "on_tool_error") return [{ ...base, error: String(data.error?.message ?? data.error) }];
        const output = data.output;
        return [{ ...base, output: output && typeof output === "object" && "content" in output ? output.content : output }];
      }
      case "on_custom_event":
        return event.name === "doc" ? [{ ...(data as object), type: "doc" }] : [];
      case "on_chain_end":
        return this.isRootNode(event, node) ? this.nodeMessages(data.output, event.run_id) : [];
      default:
        return [];
    }
  }

  /** The reply that was streaming when the run stopped, if any. */
  partial(): PartialReply | null {
    return this.inFlight && this.inFlight.text ? this.inFlight : null;
  }

  // A node of the run's own graph (not a subgraph's, not a runnable inside a node).
  private isRootNode(event: StreamEvent, node: string): boolean {
    const ns = String(event.metadata?.langgraph_checkpoint_ns ?? "");
    return event.name === node && !ns.includes("|") && (event.tags ?? []).some((t) => t.startsWith("graph:step:"));
  }

  private nodeMessages(output: unknown, runId: string): RunEvent[] {
    const messages = (output as { messages?: BaseMessage[] } | undefined)?.messages;
    if (!Array.isArray(messages)) return [];
    return messages.filter((m) => typeof m?.getType === "function").map((m, i) => {
      const role = ROLES[m.getType() as keyof typeof ROLES] ?? "system";
      const toolCalls = "tool_calls" in m && Array.isArray(m.tool_calls) && m.tool_calls.length ? m.tool_calls.map(({ id, name, args }) => ({ id: id ?? "", name, args })) : undefined;
      if (toolCalls) this.pendingToolCalls.push(...toolCalls);
      return {
        type: "message" as const,
        id: m.id ?? `${runId}-${i}`,
        role,
        content: messageText(m),
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
        ...("tool_call_id" in m && m.tool_call_id ? { tool_call_id: String(m.tool_call_id) } : {}),
        ...(m.name ? { name: m.name } : {}),
      };
    });
  }
}

function chunkText(chunk: BaseMessage | undefined): string {
  if (!chunk) return "";
  return messageText(chunk);
}
