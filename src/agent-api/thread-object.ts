import type { ThreadRow } from "../conversations/conversation-repository.js";
import type { AnyGraph } from "../runs/graph-registry.js";
import { shownThread, shownValue } from "./shown-thread.js";
import { wireJson } from "./wire-json.js";

/**
 * A thread as the Agent Server API shows it (the SDK's `Thread`): our row, with the graph id
 * stamped into metadata as the Agent Server does, and the current state read from the checkpoints:
 * `values` (messages as LangChain dicts) and the pending interrupts by task id. A thread that has
 * not run yet has empty values. A thread known by another UUID shows that one throughout.
 */
export async function threadObject(thread: ThreadRow, graph: AnyGraph) {
  const snapshot = await graph.getState({ configurable: { thread_id: thread.threadId } });
  const interrupts = Object.fromEntries(
    snapshot.tasks
      .filter((task) => task.interrupts.length > 0)
      .map((task) => [task.id, task.interrupts.map((i) => ({ id: i.id, value: wireJson(i.value) }))]),
  );
  return shownValue({
    thread_id: thread.threadId,
    // The id a native client gave the thread, if it chose one: this API knows it by its UUID.
    client_thread_id: thread.clientThreadId,
    created_at: thread.createdAt.toISOString(),
    updated_at: thread.updatedAt.toISOString(),
    state_updated_at: snapshot.createdAt ?? thread.updatedAt.toISOString(),
    metadata: shownMetadata(thread),
    status: thread.status,
    config: {},
    values: wireJson(snapshot.values) ?? {},
    interrupts,
  }, shownThread(thread));
}

/** The thread's metadata with its graph, once it has one (a thread made without a graph gets its first run's). */
export function shownMetadata(thread: ThreadRow): Record<string, unknown> {
  return thread.graphChosen ? { ...thread.metadata, graph_id: thread.graphId } : thread.metadata;
}

export type ThreadObject = Awaited<ReturnType<typeof threadObject>>;

/** The fields a search may `select`; every field when none are named. */
export function selectFields<T extends object>(object: T, select: readonly string[] | undefined): Partial<T> {
  if (!select?.length) return object;
  return Object.fromEntries(Object.entries(object).filter(([key]) => select.includes(key))) as Partial<T>;
}
