import { coerceMessageLikeToMessage, isBaseMessage } from "@langchain/core/messages";
import type { CheckpointTuple } from "@langchain/langgraph-checkpoint";

/**
 * A checkpoint as read, with its `messages` channel (and the pending writes to it) holding only what
 * LangChain can build a message from. Inputs are checked before they reach a checkpoint, but one
 * written otherwise (by an older version, by hand) may hold `null`, a number or a list that is not
 * one: LangGraph's messages reducer throws on those, so the thread could be neither read (its state
 * applies pending writes) nor continued. Such entries are skipped; everything else is left as stored.
 */
export function readableMessages(tuple: CheckpointTuple): CheckpointTuple {
  const values = tuple.checkpoint.channel_values;
  const fixedValues = "messages" in values ? messageList(values.messages) : null;
  const fixedWrites = tuple.pendingWrites?.map((write) => (write[1] === "messages" && messageList(write[2]) ? ([write[0], write[1], messageList(write[2])] as const) : write));
  const writesChanged = fixedWrites?.some((w, i) => w !== tuple.pendingWrites![i]);
  if (!fixedValues && !writesChanged) return tuple;
  return {
    ...tuple,
    checkpoint: fixedValues ? { ...tuple.checkpoint, channel_values: { ...values, messages: fixedValues } } : tuple.checkpoint,
    ...(writesChanged ? { pendingWrites: fixedWrites!.map((w) => [...w]) as CheckpointTuple["pendingWrites"] } : {}),
  };
}

/**
 * The value without the entries LangChain cannot build a message from, or null when it has none
 * (then it is left exactly as stored: the reducer coerces strings and plain objects itself).
 */
function messageList(value: unknown): unknown[] | null {
  const entries: unknown[] = Array.isArray(value) ? value : [value];
  const kept = entries.filter((entry) => isBaseMessage(entry) || coercible(entry));
  return kept.length === entries.length ? null : kept;
}

function coercible(entry: unknown): boolean {
  try {
    coerceMessageLikeToMessage(entry as never);
    return true;
  } catch {
    return false;
  }
}
