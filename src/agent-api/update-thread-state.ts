import type { RunnableConfig } from "@langchain/core/runnables";
import type { Command } from "@langchain/langgraph";
import type pg from "pg";
import { withThreadSlot } from "../runs/with-thread-slot.js";
import { toMessageRows } from "../conversations/message-row.js";
import { AppError } from "../errors.js";
import type { AnyGraph } from "../runs/graph-registry.js";
import { checkpointObject, type CheckpointObject } from "./thread-state-object.js";
import { messagesIn, messagesKey } from "../runs/messages-channel.js";

export interface StateUpdate {
  values: Record<string, unknown> | null;
  asNode?: string;
  /** Update from this checkpoint instead of the head: the new checkpoint starts a new head branch. */
  checkpointId?: string;
  /** A subgraph's namespace (a paused task's `checkpoint`): the update is written to its state. */
  checkpointNs?: string;
}

/**
 * The Agent Server's `updateState`: writes values into a thread's checkpoint state as if `asNode`
 * had just run, then projects the new head into the mirror. Like `appendMessages`, it holds the
 * thread's row lock (the run slot) throughout and refuses with 409 while a run is active. Unlike
 * it, an interrupted thread may be updated: Agent Server clients edit paused state this way, and
 * the thread's status afterwards follows the new checkpoint (interrupted while it still pauses or
 * still has the node it stopped before to run).
 */
export async function updateThreadState(pool: pg.Pool, graph: AnyGraph, threadId: string, update: StateUpdate): Promise<CheckpointObject> {
  const at = { configurable: { thread_id: threadId, checkpoint_ns: update.checkpointNs ?? "", ...(update.checkpointId ? { checkpoint_id: update.checkpointId } : {}) } };
  return writeThreadState(pool, graph, threadId, () => graph.updateState(at, update.values ?? undefined, update.asNode));
}

/** One superstep of a bulk update: its updates are written together, as if their nodes had run in one step. */
export interface Superstep {
  updates: { values: Record<string, unknown> | Command | null; asNode?: string }[];
}

/**
 * The Agent Server's bulk update (`threads.create({ supersteps })`): each superstep a checkpoint,
 * in order, from the thread's head; as `updateThreadState`, under the thread's slot, then mirrored.
 */
export async function bulkUpdateThreadState(pool: pg.Pool, graph: AnyGraph, threadId: string, supersteps: Superstep[]): Promise<CheckpointObject> {
  const at = { configurable: { thread_id: threadId, checkpoint_ns: "" } };
  const steps = supersteps.map((step) => ({ updates: step.updates.map((u) => ({ values: u.values ?? undefined, asNode: u.asNode })) }));
  return writeThreadState(pool, graph, threadId, () => graph.bulkUpdateState(at, steps));
}

async function writeThreadState(pool: pg.Pool, graph: AnyGraph, threadId: string, write: () => Promise<RunnableConfig>): Promise<CheckpointObject> {
  return withThreadSlot(pool, threadId, async (conversations, status) => {
    const written = await write().catch(asClientError);
    const head = await graph.getState({ configurable: { thread_id: threadId } });
    const headId = (head.config.configurable?.checkpoint_id as string | undefined) ?? null;
    // Still waiting when the head pauses for a decision, or when a thread stopped before a node
    // (interrupt_before / interrupt_after) still has it next: editing that state is what clients do
    // before they continue, and the Agent Server leaves the thread interrupted meanwhile.
    const paused = head.tasks.some((t) => t.interrupts.length > 0) || (status === "interrupted" && head.next.length > 0);
    await conversations.project(threadId, toMessageRows(messagesIn(head.values, messagesKey(graph))), headId, paused ? "interrupted" : "idle");
    const checkpoint = checkpointObject(written);
    if (!checkpoint) throw new Error(`updateState on ${threadId} returned no checkpoint`);
    return checkpoint;
  });
}

/**
 * LangGraph's own refusals of an update are the client's doing (an unknown `as_node`, an ambiguous
 * update with no `as_node`, a message it cannot coerce): a 400, not a 500.
 */
function asClientError(err: unknown): never {
  const e = err as { name?: string; lc_error_code?: string; message?: string };
  if (e?.name === "InvalidUpdateError" || e?.lc_error_code === "INVALID_GRAPH_NODE_RETURN_VALUE" || e?.lc_error_code === "MESSAGE_COERCION_FAILURE") {
    throw new AppError("invalid_request", `The update was refused: ${e.message ?? String(err)}`, {
      fields: [/\bnode\b/i.test(e.message ?? "") ? { name: "as_node", reason: "not a node this update can be written as" } : { name: "values", reason: "not an update this graph accepts" }],
    });
  }
  throw err;
}
