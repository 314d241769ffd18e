import type { RunnableConfig } from "@langchain/core/runnables";
import type { CheckpointMetadata } from "@langchain/langgraph-checkpoint";

/**
 * `configurable` keys that address a checkpoint or are ours (`tenant_id`, which tools read); keys
 * starting with `__` are LangGraph's and ours (the claim) too.
 */
const NOT_METADATA = new Set(["thread_id", "checkpoint_ns", "checkpoint_id", "checkpoint_map", "run_id", "tenant_id"]);

/**
 * The metadata a checkpoint of an Agent Server run (its `configurable.run_id`) is stored with, as the
 * Agent Server stores it: the run's `configurable` (user_id, model_name…), then its `metadata` (the
 * run's own, graph_id, assistant_id), then LangGraph's (source, step, parents), and the run that
 * wrote it. So `threads.getHistory(id, { metadata })` finds the checkpoints of the runs created with
 * that metadata. Any other checkpoint keeps LangGraph's metadata as it is, as a checkpointer must.
 */
export function checkpointMetadata(config: RunnableConfig, metadata: CheckpointMetadata): CheckpointMetadata {
  const runId = config.configurable?.run_id;
  if (typeof runId !== "string") return metadata;
  const configurable = Object.entries(config.configurable ?? {}).filter(([key, value]) => !key.startsWith("__") && !NOT_METADATA.has(key) && isPlainData(value));
  return {
    ...Object.fromEntries(configurable),
    ...config.metadata,
    ...metadata,
    run_id: runId,
  } as CheckpointMetadata;
}

/** A value JSON keeps as it is (no class instance, function or symbol that a graph put in its config). */
function isPlainData(value: unknown): boolean {
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Object.values(value as object).every(isPlainData);
}
