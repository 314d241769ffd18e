import type { RunnableConfig } from "@langchain/core/runnables";
import type { StateSnapshot } from "@langchain/langgraph";
import { wireJson } from "./wire-json.js";

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
  interrupts: InterruptObject[];
}

interface ThreadTaskObject {
  id: string;
  name: string;
  error: string | null;
  interrupts: InterruptObject[];
  checkpoint: CheckpointObject | null;
  state: ThreadStateObject | null;
  result: unknown;
}

interface InterruptObject {
  value: unknown;
  id?: string;
}

/** A LangGraph state snapshot in the Agent Server's JSON shape (what `getState`/`getHistory` return). */
export function threadStateObject(snapshot: StateSnapshot): ThreadStateObject {
  const tasks = snapshot.tasks.map((task): ThreadTaskObject => {
    // With `subgraphs`, a task's state is the subgraph's snapshot; otherwise only its config.
    const nested = task.state && "values" in task.state ? (task.state as StateSnapshot) : null;
    return {
      id: task.id,
      name: task.name,
      error: task.error == null ? null : errorText(task.error),
      interrupts: task.interrupts.map(interruptObject),
      checkpoint: nested ? checkpointObject(nested.config) : checkpointObject(task.state as RunnableConfig | undefined),
      state: nested ? threadStateObject(nested) : null,
      result: wireJson(task.result ?? null),
    };
  });
  return {
    values: wireJson(snapshot.values),
    next: [...snapshot.next],
    checkpoint: checkpointObject(snapshot.config),
    metadata: wireJson(snapshot.metadata ?? {}),
    created_at: snapshot.createdAt ?? null,
    parent_checkpoint: checkpointObject(snapshot.parentConfig),
    tasks,
    interrupts: tasks.flatMap((t) => t.interrupts),
  };
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

function interruptObject(i: { id?: string; value?: unknown }): InterruptObject {
  return { value: wireJson(i.value ?? null), ...(i.id ? { id: i.id } : {}) };
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (typeof error === "object" && error && "message" in error) return String(error.message);
  return String(error);
}
