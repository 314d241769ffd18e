import type { BaseMessage } from "@langchain/core/messages";
import { messageText } from "../conversations/message-row.js";
import { addUsage, zeroUsage, type RunEvent, type Usage } from "./run-event.js";

/** One part of `graph.stream(input, { streamMode: [...STREAM_MODES] })`. */
export type StreamPart = [mode: string, chunk: unknown];

/** The stream modes the mapper reads. */
export const STREAM_MODES = ["messages", "updates", "custom", "checkpoints"] as const;

/** The reply being streamed when a run stops early: what gets saved as a partial message. */
export interface PartialReply {
  messageId: string;
  node: string;
  text: string;
}

/** The newest checkpoint seen in the stream: its id and its messages. */
export interface CheckpointSeen {
  checkpointId: string;
  messages: BaseMessage[];
  next: string[];
}

const ROLES = { human: "user", ai: "assistant", tool: "tool", system: "system" } as const;

/**
 * Maps LangGraph stream parts to RunEvents: tokens from `messages`, each node's complete messages
 * (and the tool calls and results they carry) from `updates`, documents from `custom`. Stateful
 * only in what the protocol needs: token indexes, tool start times, the reply in flight, usage.
 */
export class LangGraphStreamMapper {
  usage: Usage = zeroUsage();
  checkpoint: CheckpointSeen | null = null;
  /** For each message, the first checkpoint of this run that held it: where it appeared. */
  readonly firstSeen = new Map<string, string>();
  /** Whether the graph paused for a human (`interrupt()`). */
  interrupted = false;
  private tokenIndex = new Map<string, number>();
  private toolStarts = new Map<string, number>();
  private inFlight: PartialReply | null = null;

  map([mode, chunk]: StreamPart): RunEvent[] {
    switch (mode) {
      case "messages":
        return this.token(chunk as [BaseMessage, Record<string, unknown>]);
      case "updates":
        return Object.entries((chunk ?? {}) as Record<string, unknown>).flatMap(([node, update]) =>
          node === "__interrupt__" ? this.interrupts(update) : this.nodeMessages(node, (update as { messages?: unknown } | null)?.messages),
        );
      case "custom": {
        const custom = chunk as { type?: unknown } | null;
        return custom && typeof custom === "object" && custom.type === "doc" ? [{ ...(custom as object), type: "doc" }] : [];
      }
      case "checkpoints": {
        const c = chunk as { config: { configurable?: { checkpoint_id?: string } }; values: { messages?: BaseMessage[] }; next: string[] };
        this.checkpoint = { checkpointId: c.config.configurable?.checkpoint_id ?? "", messages: c.values.messages ?? [], next: c.next };
        for (const m of this.checkpoint.messages) if (m.id && !this.firstSeen.has(m.id)) this.firstSeen.set(m.id, this.checkpoint.checkpointId);
        return [];
      }
      default:
        return [];
    }
  }

  /** The reply that was streaming when the run stopped, if any. */
  partial(): PartialReply | null {
    return this.inFlight && this.inFlight.text ? this.inFlight : null;
  }

  private interrupts(update: unknown): RunEvent[] {
    const list = (Array.isArray(update) ? update : [update]) as { id?: string; value?: unknown }[];
    this.interrupted ||= list.length > 0;
    return list.map((i, n) => ({ type: "interrupt" as const, id: i?.id ?? String(n), value: i?.value ?? null }));
  }

  private token([message, meta]: [BaseMessage, Record<string, unknown>]): RunEvent[] {
    // This mode also repeats whole node outputs (tool results); only model chunks are tokens.
    if (message.getType() !== "ai" || !("tool_call_chunks" in message)) return [];
    const text = messageText(message);
    if (!text) return [];
    const messageId = message.id ?? "";
    const node = String(meta.langgraph_node ?? "");
    if (this.inFlight?.messageId !== messageId) this.inFlight = { messageId, node, text: "" };
    this.inFlight.text += text;
    const index = this.tokenIndex.get(messageId) ?? 0;
    this.tokenIndex.set(messageId, index + 1);
    return [{ type: "token", content: text, index, message_id: messageId, node }];
  }

  private nodeMessages(node: string, update: unknown): RunEvent[] {
    const list = Array.isArray(update) ? update : update ? [update] : [];
    return list.filter((m): m is BaseMessage => typeof m?.getType === "function").flatMap((m, i) => {
      const role = ROLES[m.getType() as keyof typeof ROLES] ?? "system";
      const events: RunEvent[] = [];
      const toolCalls = "tool_calls" in m && Array.isArray(m.tool_calls) && m.tool_calls.length ? m.tool_calls.map(({ id, name, args }) => ({ id: id ?? "", name, args })) : undefined;
      if (role === "assistant") {
        if (this.inFlight?.messageId === m.id) this.inFlight = null;
        this.usage = addUsage(this.usage, (m as { usage_metadata?: Usage }).usage_metadata);
      }
      if (role === "tool" && "tool_call_id" in m) events.push(this.toolEnd(m as BaseMessage & { tool_call_id: string; status?: string }));
      events.push({
        type: "message",
        id: m.id ?? `${node}-${i}`,
        role,
        content: messageText(m),
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
        ...("tool_call_id" in m && m.tool_call_id ? { tool_call_id: String(m.tool_call_id) } : {}),
        ...(m.name ? { name: m.name } : {}),
      });
      // The tool node starts on the model's request; its timing runs from here to the result.
      for (const call of toolCalls ?? []) {
        this.toolStarts.set(call.id, performance.now());
        events.push({ type: "tool_start", id: call.id, name: call.name, input: call.args });
      }
      return events;
    });
  }

  private toolEnd(m: BaseMessage & { tool_call_id: string; status?: string }): RunEvent {
    const started = this.toolStarts.get(m.tool_call_id);
    this.toolStarts.delete(m.tool_call_id);
    const base = { type: "tool_end" as const, id: m.tool_call_id, name: m.name ?? "", duration_ms: started === undefined ? 0 : Math.round(performance.now() - started) };
    return m.status === "error" ? { ...base, error: messageText(m) } : { ...base, output: messageText(m) };
  }
}
