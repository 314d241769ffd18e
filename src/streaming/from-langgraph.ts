import type { BaseMessage } from "@langchain/core/messages";
import { wasRejected } from "../../graphs/lib/tool-approval.js";
import { wireJson } from "../agent-api/wire-json.js";
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
  /** The whole state. */
  values: Record<string, unknown>;
  next: string[];
}

const ROLES = { human: "user", ai: "assistant", tool: "tool", system: "system" } as const;

/**
 * Maps LangGraph stream parts to RunEvents: tokens from `messages`, each node's complete messages
 * (and the tool results they carry) from `updates`, documents and tool starts from `custom`. Stateful
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
  private requested = new Map<string, { name: string; input: unknown; at: number }>();
  private inFlight: PartialReply | null = null;

  /** `messagesKey`: the state key of the graph's messages (see messages-channel); null for a graph without. */
  constructor(private readonly messagesKey: string | null = "messages") {}

  map([mode, chunk]: StreamPart): RunEvent[] {
    switch (mode) {
      case "messages":
        return this.token(chunk as [BaseMessage, Record<string, unknown>]);
      case "updates":
        return Object.entries((chunk ?? {}) as Record<string, unknown>).flatMap(([node, update]): RunEvent[] => {
          if (node === "__interrupt__") return this.interrupts(update);
          if (this.messagesKey === null) return [{ type: "update", node, values: wireJson(update ?? null) }];
          return this.nodeMessages(node, (update as Record<string, unknown> | null)?.[this.messagesKey]);
        });
      case "custom": {
        const custom = chunk as { type?: unknown; id?: unknown; name?: unknown; input?: unknown } | null;
        if (!custom || typeof custom !== "object") return [];
        if (custom.type === "doc") return [{ ...(custom as object), type: "doc" }];
        if (custom.type === "tool_start" && typeof custom.id === "string") return this.toolStart(custom.id, String(custom.name ?? ""), custom.input);
        return [];
      }
      case "checkpoints": {
        const c = chunk as { config: { configurable?: { checkpoint_id?: string } }; values: CheckpointSeen["values"]; next: string[] };
        const messages = this.messagesKey && Array.isArray(c.values[this.messagesKey]) ? (c.values[this.messagesKey] as BaseMessage[]) : [];
        this.checkpoint = { checkpointId: c.config.configurable?.checkpoint_id ?? "", messages, values: c.values, next: c.next };
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
    // A breakpoint (interrupt_before/after) pauses with an empty list: paused all the same.
    this.interrupted = true;
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
      // A tool_start means the tool really starts: a call a human rejected never did, so it has no
      // tool events; its message (the refusal, answering tool_call_id) is all a client needs.
      if (role === "tool" && "tool_call_id" in m && wasRejected(m)) this.requested.delete(String(m.tool_call_id));
      else if (role === "tool" && "tool_call_id" in m) events.push(...this.toolEnd(m as BaseMessage & { tool_call_id: string; status?: string }));
      events.push({
        type: "message",
        id: m.id ?? `${node}-${i}`,
        role,
        content: messageText(m),
        ...(toolCalls ? { tool_calls: toolCalls } : {}),
        ...("tool_call_id" in m && m.tool_call_id ? { tool_call_id: String(m.tool_call_id) } : {}),
        ...(m.name ? { name: m.name } : {}),
      });
      // Requested, not started: a tool may wait for approval. tool_start comes when it starts.
      for (const call of toolCalls ?? []) this.requested.set(call.id, { name: call.name, input: call.args, at: performance.now() });
      return events;
    });
  }

  /** A tool starting, as the graph reports it on the custom stream (the chat graph does). */
  private toolStart(id: string, name: string, input: unknown): RunEvent[] {
    if (this.toolStarts.has(id)) return [];
    this.toolStarts.set(id, performance.now());
    return [{ type: "tool_start", id, name, input }];
  }

  /**
   * A tool's result. A graph that does not report tool starts gets its tool_start here, just
   * before the tool_end, timed from the model's request.
   */
  private toolEnd(m: BaseMessage & { tool_call_id: string; status?: string }): RunEvent[] {
    const id = m.tool_call_id;
    const requested = this.requested.get(id);
    // (The input is null when the request came in an earlier run, before a pause.)
    const late = this.toolStarts.has(id) ? [] : this.toolStart(id, m.name ?? requested?.name ?? "", requested?.input ?? null);
    if (late.length && requested) this.toolStarts.set(id, requested.at);
    const started = this.toolStarts.get(id)!;
    this.toolStarts.delete(id);
    this.requested.delete(id);
    const base = { type: "tool_end" as const, id, name: m.name ?? requested?.name ?? "", duration_ms: Math.round(performance.now() - started) };
    return [...late, m.status === "error" ? { ...base, error: messageText(m) } : { ...base, output: messageText(m) }];
  }
}
