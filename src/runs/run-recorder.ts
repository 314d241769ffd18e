import type pg from "pg";
import { Command } from "@langchain/langgraph";
import { ConversationRepository, inputTitle, type ThreadStatus } from "../conversations/conversation-repository.js";
import { toMessageRows } from "../conversations/message-row.js";
import type { ThreadloomSaver } from "../db/threadloom-saver.js";
import type { RunStatus } from "../streaming/run-event.js";
import type { ActiveRun, RunResult } from "./active-run.js";
import type { GraphRegistry } from "./graph-registry.js";
import { messagesIn, messagesKey } from "./messages-channel.js";
import { refused } from "./run-claim.js";

/** How a run ended, as recorded: its final checkpoint and values (null when it was rolled back). */
export interface RunEnd {
  checkpointId: string | null;
  values: Record<string, unknown> | null;
}

export interface RunRecorderDeps {
  pool: pg.Pool;
  checkpointer: ThreadloomSaver;
  graphs: GraphRegistry;
  /** Called when a thread's slot frees with runs waiting for it. */
  onQueueReady?: (threadId: string | null) => void;
}

const THREAD_STATUS_AFTER: Record<RunStatus, ThreadStatus> = { success: "idle", interrupted: "idle", error: "error", timeout: "error" };

/**
 * Records the end of runs: the mirror projected from checkpoint state together with the run's
 * outcome (one statement), or a rolled-back run's removal; and a thread's mirror rebuilt from its head.
 */
export class RunRecorder {
  private readonly conversations: ConversationRepository;

  constructor(private readonly deps: RunRecorderDeps) {
    this.conversations = new ConversationRepository(deps.pool);
  }

  async finish(run: ActiveRun, result: RunResult): Promise<RunEnd> {
    const { threadId, runId, graph } = run.input;
    // A run that ended by itself streamed its final checkpoint; one that was stopped has written
    // more since (its partial reply), so read that back.
    const seen = result.status === "success" || result.paused ? run.finalCheckpoint : null;
    const state = seen ? null : await graph.getState({ configurable: { thread_id: threadId } });
    const checkpointId = seen?.checkpointId ?? (state?.config.configurable?.checkpoint_id as string | undefined) ?? null;
    const values = seen?.values ?? state?.values ?? {};
    const rows = toMessageRows(messagesIn(values, run.messagesKey));
    const { pending } = await this.conversations.project(threadId, rows, checkpointId, result.paused ? "interrupted" : THREAD_STATUS_AFTER[result.status], {
      runId, status: result.status, usage: run.usage, ttftMs: result.ttftMs, latencyMs: result.latencyMs,
      inputTitle: run.messagesKey === null && !(run.givenInput instanceof Command) ? inputTitle(run.givenInput) : null,
      // The client's message, as any replica answers it; the cause beside it for whoever reads the table.
      error: result.error ? { code: result.error.code, message: result.error.message, detail: result.error.detail, ...(result.error.raised && { raised: result.error.raised }) } : undefined,
      claim: run.claim,
    }, run.messageCheckpoints);
    if (pending) this.deps.onQueueReady?.(threadId);
    return { checkpointId, values };
  }

  /**
   * Undoes a run stopped with `rollback`: its checkpoints go (each carries its run id), with the
   * mirror rows of the messages they added, then the run itself; the mirror is the head's again.
   */
  async rollback(run: ActiveRun): Promise<RunEnd> {
    const { threadId, runId, graph } = run.input;
    const { claim } = run;
    const removed = await this.deps.checkpointer.deleteRunCheckpoints(threadId, runId, claim);
    await this.deps.pool.query("DELETE FROM messages WHERE thread_id = $1 AND checkpoint_id = ANY($2::text[])", [threadId, removed]);
    const { rowCount } = await this.deps.pool.query(
      "DELETE FROM runs WHERE run_id = $1 AND ($2::int IS NULL OR (worker_id = $2 AND lease_epoch = $3 AND status = 'running'))",
      [runId, claim?.workerId ?? null, claim?.leaseEpoch ?? null],
    );
    if (claim && rowCount === 0) refused(claim);
    const head = await graph.getState({ configurable: { thread_id: threadId } });
    const checkpointId = (head.config.configurable?.checkpoint_id as string | undefined) ?? null;
    const paused = head.tasks.some((t) => t.interrupts.length > 0);
    const { pending } = await this.conversations.project(threadId, toMessageRows(messagesIn(head.values, run.messagesKey)), checkpointId, paused ? "interrupted" : "idle");
    run.logger.info({ removedCheckpoints: removed.length }, "run rolled back");
    if (pending) this.deps.onQueueReady?.(threadId);
    return { checkpointId: null, values: null };
  }

  async project(graphId: string, threadId: string, status: ThreadStatus): Promise<void> {
    const config = { configurable: { thread_id: threadId } };
    const graph = await this.deps.graphs.forThread(graphId, threadId);
    const state = await graph.getState(config);
    const checkpointId = (state.config.configurable?.checkpoint_id as string | undefined) ?? null;
    await this.conversations.project(threadId, toMessageRows(messagesIn(state.values, messagesKey(graph))), checkpointId, status);
  }
}
