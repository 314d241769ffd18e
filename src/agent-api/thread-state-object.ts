import type { RunnableConfig } from "@langchain/core/runnables";
import type { StateSnapshot } from "@langchain/langgraph";
import { wireJson } from "./wire-json.js";
import { WireValues } from "./wire-values.js";

/** A checkpoint as the Agent Server names it: the `configurable` keys that address it. */
export interface CheckpointObject {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  checkpoint_map: Record<string, unknown> | null;
}

/** `ThreadState` of `@langchain/langgraph-sdk`, plus the top-level `interrupts` newer servers send. */
export interface ThreadStateObject {
  values: unknown;
  next: string[];
  checkpoint: CheckpointObject | null;
  metadata: unknown;
  created_at: string | null;
  parent_checkpoint: CheckpointObject | null;
  tasks: ThreadTaskObject[];
  /** The root state's only, as the Python server sends it; a subgraph's state in a task has none, as on the JS server. */
  interrupts?: InterruptObject[];
}

interface ThreadTaskObject {
  id: string;
  name: string;
  /** Where LangGraph scheduled it: `["__pregel_pull", node]` for a node, `["__pregel_push", …]` for a Send. */
  path: unknown[];
  error: string | null;
  interrupts: InterruptObject[];
  /** A subgraph task's namespace (`thread_id`, `checkpoint_ns`), to read or update its state; null with `state`. */
  checkpoint: Record<string, unknown> | null;
  state: ThreadStateObject | null;
  result: unknown;
}

interface InterruptObject {
  value: unknown;
  id?: string;
}

/**
 * A LangGraph state snapshot in the Agent Server's JSON shape (what `getState`/`getHistory` return),
 * its values built by `wire`: the answer holding it is written with `wire.stringify`. The states of
 * one answer share `wire`, so each message is built once for all.
 */
export function threadStateObject(snapshot: StateSnapshot, wire: WireValues): ThreadStateObject {
  const tasks = snapshot.tasks.map((task): ThreadTaskObject => {
    // With `subgraphs`, a task's state is the subgraph's snapshot; otherwise only its config.
    const nested = task.state && "values" in task.state ? (task.state as StateSnapshot) : null;
    // As the Agent Server shows a task: a subgraph's namespace as LangGraph gives it, or its state with `subgraphs`.
    return {
      id: task.id,
      name: task.name,
      path: (wireJson(task.path ?? []) as unknown[]) ?? [],
      error: task.error == null ? null : errorText(task.error),
      interrupts: task.interrupts.map(interruptObject),
      checkpoint: nested ? null : taskCheckpoint(task.state as RunnableConfig | undefined),
      state: nested ? subgraphState(nested, wire) : null,
      result: wire.of(task.result ?? null),
    };
  });
  return {
    values: wire.of(snapshot.values),
    next: [...snapshot.next],
    checkpoint: checkpointObject(snapshot.config),
    metadata: wireJson(snapshot.metadata ?? {}),
    created_at: snapshot.createdAt ?? null,
    parent_checkpoint: checkpointObject(snapshot.parentConfig),
    tasks,
    interrupts: tasks.flatMap((t) => t.interrupts),
  };
}

function subgraphState(snapshot: StateSnapshot, wire: WireValues): ThreadStateObject {
  const { interrupts: _, ...state } = threadStateObject(snapshot, wire);
  return state;
}

/** The checkpoint a config points at; null when it points at none (a thread without checkpoints). */
export function checkpointObject(config: RunnableConfig | undefined): CheckpointObject | null {
  const c = config?.configurable;
  if (!c?.thread_id || !c.checkpoint_id) return null;
  return {
    thread_id: String(c.thread_id),
    checkpoint_ns: typeof c.checkpoint_ns === "string" ? c.checkpoint_ns : "",
    checkpoint_id: String(c.checkpoint_id),
    checkpoint_map: (c.checkpoint_map as Record<string, unknown> | undefined) ?? null,
  };
}

/** The `configurable` that addresses a subgraph task's checkpoints, without LangGraph's internal keys. */
function taskCheckpoint(config: RunnableConfig | undefined): Record<string, unknown> | null {
  const c = config?.configurable;
  if (!c) return null;
  return wireJson(Object.fromEntries(Object.entries(c).filter(([key]) => !key.startsWith("__")))) as Record<string, unknown>;
}

function interruptObject(i: { id?: string; value?: unknown }): InterruptObject {
  return { value: wireJson(i.value ?? null), ...(i.id ? { id: i.id } : {}) };
}

/** A failed task's error as the Agent Server shows it: the message. */
function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error && "message" in error) return String(error.message);
  return String(error);
}
