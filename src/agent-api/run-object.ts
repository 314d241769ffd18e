import type { RunRecord } from "../runs/run-repository.js";
import { graphAssistantId } from "./graph-assistant-id.js";

/** A run as the Agent Server API shows it (the SDK's `Run`), on its thread as shown (see ShownThread). */
export function runObject(run: RunRecord, threadId: string = run.threadId) {
  // A graph's own assistant is recorded by graph id; the API names it by its UUID5, as elsewhere.
  const assistantId = run.assistantVersion === null && run.assistantId === run.graphId ? graphAssistantId(run.graphId) : run.assistantId;
  return {
    run_id: run.runId,
    thread_id: threadId,
    assistant_id: assistantId,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    status: run.status,
    metadata: run.metadata,
    kwargs: run.kwargs ?? {},
    multitask_strategy: run.multitaskStrategy,
    attempt: run.attempt,
  };
}
