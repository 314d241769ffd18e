import type { BaseMessage } from "@langchain/core/messages";
import { messagesStateReducer } from "@langchain/langgraph";
import type { AnyGraph } from "./graph-registry.js";

const keys = new WeakMap<object, string | null>();

/**
 * The state key holding the graph's conversation, whatever it is called: the channel that reduces
 * with LangGraph's messages reducer (MessagesAnnotation, MessagesZodState, createAgent's state,
 * createReactAgent's), else one named `messages`; null for a graph that keeps no messages. The
 * conversation mirror, search and export read the messages there.
 */
export function messagesKey(graph: AnyGraph): string | null {
  const known = keys.get(graph.channels);
  if (known !== undefined) return known;
  const channels = graph.channels as Record<string, { operator?: unknown }>;
  const key = Object.entries(channels).find(([, channel]) => channel?.operator === messagesStateReducer)?.[0] ?? ("messages" in channels ? "messages" : null);
  keys.set(graph.channels, key);
  return key;
}

/** The messages in a state's values, under the graph's key; none for a graph without. */
export function messagesIn(values: Record<string, unknown> | null | undefined, key: string | null): BaseMessage[] {
  const list = key ? values?.[key] : undefined;
  return Array.isArray(list) ? (list as BaseMessage[]) : [];
}
