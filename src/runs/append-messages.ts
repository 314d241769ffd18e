import type { BaseMessage } from "@langchain/core/messages";
import type pg from "pg";
import type { ThreadStatus } from "../conversations/conversation-repository.js";
import { toMessageRows } from "../conversations/message-row.js";
import { type NewMessage, toLangChainMessage } from "../conversations/to-langchain-message.js";
import { AppError, type InvalidField } from "../errors.js";
import { endingNode } from "./ending-node.js";
import type { AnyGraph } from "./graph-registry.js";
import { withThreadSlot } from "./with-thread-slot.js";
import { messagesIn, messagesKey } from "./messages-channel.js";

/**
 * Writes a client's messages into a thread's checkpoint state and its mirror without running the
 * model; returns their ids. The thread's row stays locked meanwhile, which is the run slot: a run
 * that tries to start waits for us (its claim references the row), and we refuse (409) if one is
 * running. The messages are written as the graph's ending node, so the graph has nothing left to do
 * (`next` is empty) and the next turn's model sees them like any other message.
 *
 * The checkpoint is written outside the transaction (LangGraph owns that connection); if the mirror
 * write then fails, the thread's mirror is behind its newest checkpoint and the next read repairs it.
 */
export async function appendMessages(pool: pg.Pool, graph: AnyGraph, threadId: string, messages: NewMessage[]): Promise<string[]> {
  const written = messages.map(toLangChainMessage);
  const ids = written.map((m) => m.id!);
  requireDistinct(ids);
  return withThreadSlot(pool, threadId, async (conversations, status, shownId) => {
    if (status === "interrupted") {
      // Written as the ending node, the messages would silently drop the pending decision.
      throw new AppError("conflict", `Thread ${shownId} is waiting for a human decision; resume it before adding messages.`);
    }
    const taken = await conversations.takenMessageIds(threadId, ids);
    if (taken.length > 0) {
      throw new AppError("conflict", `Thread ${shownId} already has messages with the ids ${taken.join(", ")}; ids are never reused, even on other branches.`, { message_ids: taken });
    }
    const key = messagesKey(graph);
    if (key === null) throw new AppError("conflict", `Thread ${shownId}'s graph keeps no messages: there is nowhere to add them.`);
    const config = { configurable: { thread_id: threadId } };
    if (messages.some((m) => m.role === "tool")) requireToolCalls(messagesIn((await graph.getState(config)).values, key), messages);
    await graph.updateState(config, { [key]: written }, endingNode(graph));
    const state = await graph.getState(config);
    const checkpointId = (state.config.configurable?.checkpoint_id as string | undefined) ?? null;
    await conversations.project(threadId, toMessageRows(messagesIn(state.values, key)), checkpointId, statusAfter(status));
    return ids;
  });
}

// With no run holding the slot, a busy status is left over; nothing is pending once the messages are in.
const statusAfter = (status: ThreadStatus): ThreadStatus => (status === "busy" ? "idle" : status);

function requireDistinct(ids: string[]): void {
  const fields: InvalidField[] = ids.flatMap((id, i) => (ids.indexOf(id) < i ? [{ name: `messages.${i}.id`, reason: "is used by an earlier message of the request" }] : []));
  if (fields.length > 0) throw new AppError("invalid_request", "Each message needs its own id.", { fields });
}

/** A tool message must answer a tool call the thread made: the model API refuses a transcript otherwise. */
function requireToolCalls(state: BaseMessage[], messages: NewMessage[]): void {
  const calls = new Set(state.flatMap((m) => ("tool_calls" in m && Array.isArray(m.tool_calls) ? m.tool_calls.map((c: { id?: string }) => c.id) : [])));
  const fields: InvalidField[] = messages.flatMap((m, i) =>
    m.role === "tool" && !calls.has(m.toolCallId) ? [{ name: `messages.${i}.tool_call_id`, reason: "answers no tool call of this thread" }] : [],
  );
  if (fields.length > 0) throw new AppError("invalid_request", `A tool message must answer a tool call an assistant message of the thread made: ${fields.map((f) => f.name).join(", ")}.`, { fields });
}
