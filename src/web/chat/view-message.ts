import type { Message as SdkMessage } from "@langchain/langgraph-sdk";
import type { Message, ToolCall } from "../api/types";

/** One message as the conversation draws it, from the mirror or from the live stream (same ids). */
export interface ViewMessage {
  id: string;
  role: Message["role"];
  content: string;
  toolCalls: ToolCall[];
  toolCallId?: string;
  /** The mirror's row: usage, timings, siblings, checkpoint. Absent while the message only streams. */
  mirror?: Message;
}

/** The mirror's rows keep their identity until the thread is read again, and so do their views. */
const mirrorViews = new WeakMap<Message, ViewMessage>();

export function fromMirror(m: Message): ViewMessage {
  let view = mirrorViews.get(m);
  if (!view) mirrorViews.set(m, (view = { id: m.id, role: m.role, content: m.content, toolCalls: m.tool_calls ?? [], toolCallId: m.tool_call_id, mirror: m }));
  return view;
}

const ROLES: Record<string, Message["role"]> = { human: "user", ai: "assistant", tool: "tool", system: "system" };

export function textOfContent(content: SdkMessage["content"] | unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return content == null ? "" : JSON.stringify(content);
  return content.map((part) => (part && typeof part === "object" && "text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** The last view of each streamed message, by id: kept while the message is unchanged. */
const streamViews = new Map<string, { key: string; view: ViewMessage }>();

/**
 * A streamed message as a view. The stream hands over new objects on every update, the messages
 * that did not change included; an unchanged one keeps its view, so the conversation redraws only
 * the message that grew (the items are memoised on their view).
 */
export function fromStream(m: SdkMessage, index: number): ViewMessage {
  const toolCalls = m.type === "ai" ? (m.tool_calls ?? []).map((c, i) => ({ id: c.id ?? `${m.id}-${i}`, name: c.name, args: c.args ?? {} })) : [];
  const view: ViewMessage = {
    id: m.id ?? `live-${index}`,
    role: ROLES[m.type] ?? "assistant",
    content: textOfContent(m.content),
    toolCalls,
    toolCallId: m.type === "tool" ? m.tool_call_id : undefined,
  };
  const key = JSON.stringify([view.role, view.content, view.toolCalls, view.toolCallId]);
  const last = streamViews.get(view.id);
  if (last?.key === key) return last.view;
  streamViews.set(view.id, { key, view });
  return view;
}

/**
 * The conversation to draw: the mirror's head branch (cut before `branchFrom` while an edit or a
 * regenerate runs from there), then the live run's messages the mirror does not have yet. `before`:
 * the ids the stream held when this page started the run (the SDK's possibly stale state, which
 * may still hold another branch's messages): those are the mirror's to show, not the run's.
 */
export function mergeMessages(mirror: Message[], live: SdkMessage[] | null, branchFrom: string | null, before: ReadonlySet<string> = new Set()): ViewMessage[] {
  let head = mirror;
  if (branchFrom) {
    const cut = mirror.findIndex((m) => m.id === branchFrom);
    if (cut >= 0) head = mirror.slice(0, cut);
  }
  const out = head.map(fromMirror);
  if (!live) return out;
  const known = new Set(out.map((m) => m.id));
  const dropped = new Set(mirror.map((m) => m.id).filter((id) => !known.has(id)));
  live.forEach((m, i) => {
    const view = fromStream(m, i);
    if (known.has(view.id) || dropped.has(view.id) || before.has(view.id)) return;
    known.add(view.id);
    out.push(view);
  });
  return out;
}
