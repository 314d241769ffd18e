import { prepared } from "../db/prepared.js";
import type { Queryable } from "../db/queryable.js";
import type { Usage } from "../streaming/run-event.js";
import type { RunClaim } from "./run-claim.js";
import * as sql from "./run-sql.js";
import type { LeaseClaim } from "./worker-lease.js";

// On every turn's path before the model is asked: planned once per connection (see prepared).
const CLAIM = prepared(sql.CLAIM_RUN);
const CLAIM_QUICK = prepared(sql.CLAIM_RUN_QUICK_COMMIT);

/** The claim a run's own writes are conditional on. */
type Fence = Pick<RunClaim, "workerId" | "leaseEpoch">;

export type RunRecordStatus = "pending" | "running" | "success" | "error" | "interrupted" | "timeout";
export type MultitaskStrategy = "reject" | "enqueue" | "interrupt" | "rollback";
export type CancelAction = "interrupt" | "rollback";

export interface RunRecord {
  runId: string;
  threadId: string;
  tenantId: string;
  graphId: string;
  assistantId: string;
  assistantVersion: number | null;
  status: RunRecordStatus;
  multitaskStrategy: MultitaskStrategy;
  /** The worker and lease epoch it runs under (null when it does not run). */
  workerId: number | null;
  leaseEpoch: number | null;
  attempt: number;
  usage: Usage;
  ttftMs: number | null;
  latencyMs: number | null;
  /** How it failed; `raised` is the graph's own exception when the graph raised one. */
  error: { code: string; message: string; raised?: { name: string; message: string } } | null;
  metadata: Record<string, unknown>;
  /** The Agent Server request the run was created with; null for a /api/chat run. */
  kwargs: Record<string, unknown> | null;
  userId: string | null;
  temporary: boolean;
  cancelAction: CancelAction | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ClaimInput {
  runId: string;
  threadId: string;
  tenantId: string;
  graphId: string;
  assistantId: string;
  /** The stored assistant's version that answers; null for a graph's defaults. */
  assistantVersion?: number | null;
  /** The lease the run is claimed under: every write it makes is conditional on it. */
  lease: LeaseClaim;
  metadata: Record<string, unknown>;
  /** Claim only a thread with this status (a resume needs one still `interrupted`). */
  requireStatus?: "interrupted";
  /** Set when the thread does not exist yet: it is created, busy, with the run. */
  newThread?: { userId: string; metadata: Record<string, unknown>; clientThreadId?: string | null };
  /** For an Agent Server run: its request, who asked, its strategy, and whether its thread goes with it. */
  agent?: { kwargs: Record<string, unknown>; userId: string; multitaskStrategy: MultitaskStrategy; temporary: boolean };
  /** The run acknowledges nothing before a synchronous commit of its own: the claim need not wait for the disk (see CLAIM_RUN_QUICK_COMMIT). */
  quickCommit?: boolean;
}

export type EnqueueInput = Omit<ClaimInput, "lease" | "requireStatus" | "newThread"> & { agent: NonNullable<ClaimInput["agent"]> };

/** The `runs` table: the per-thread run slot, the queue of pending runs, and each run's outcome. */
export class RunRepository {
  constructor(private readonly db: Queryable) {}

  /** Takes the thread's slot for a new running run; returns the id of the run holding it otherwise. */
  async claim(input: ClaimInput): Promise<{ ok: true; record: RunRecord } | { ok: false; runningRunId: string | null }> {
    const { rows } = await this.db.query({ ...(input.quickCommit ? CLAIM_QUICK : CLAIM), values: [
      input.runId, input.threadId, input.tenantId, input.graphId, input.assistantId, input.lease.workerId, input.metadata,
      input.newThread?.userId ?? null, input.newThread?.metadata ?? {}, Boolean(input.newThread), input.assistantVersion ?? null,
      input.requireStatus ?? null, input.agent?.kwargs ?? null, input.agent?.multitaskStrategy ?? "reject", input.agent?.userId ?? null,
      input.agent?.temporary ?? false, input.newThread?.clientThreadId ?? null, input.lease.epoch,
    ] });
    if (rows[0].run_id) return { ok: true, record: toRun(rows[0]) };
    // A run claimed at the same moment made ours wait on the slot's index, then do nothing; but the
    // statement reads from before that run committed, so it cannot name it. A second look can.
    const runningRunId = rows[0].running_run_id ?? (await this.db.query(sql.SELECT_SLOT_HOLDER, [input.threadId])).rows[0]?.run_id ?? null;
    return { ok: false, runningRunId };
  }

  /**
   * Queues a run behind the thread's running and pending ones, and tells every process; returns it as
   * queued. `afterSeconds` keeps it waiting that long; `onlyIfFree` queues it only on a thread with no
   * run running or queued (null otherwise).
   */
  async enqueue(input: EnqueueInput, options: { afterSeconds?: number; onlyIfFree?: boolean } = {}): Promise<RunRecord | null> {
    const { rows } = await this.db.query(sql.ENQUEUE_RUN, [
      input.runId, input.threadId, input.tenantId, input.graphId, input.assistantId, input.assistantVersion ?? null,
      input.agent.multitaskStrategy, input.metadata, input.agent.kwargs, input.agent.userId, input.agent.temporary,
      options.afterSeconds ?? 0, options.onlyIfFree ?? false,
    ]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  /** Starts the oldest pending run whose thread is free (of `threadId` only, when given) under this lease. */
  async claimNext(lease: LeaseClaim, threadId?: string): Promise<RunRecord | null> {
    try {
      const { rows } = await this.db.query(sql.CLAIM_NEXT_RUN, [lease.workerId, threadId ?? null, lease.epoch]);
      return rows[0] ? toRun(rows[0]) : null;
    } catch (err) {
      // A run claimed directly on the same thread meanwhile took the slot: the queue waits.
      if ((err as { code?: string }).code === "23505") return null;
      throw err;
    }
  }

  /** Puts a running run back in the queue as its next attempt (its process is shutting down), if it still holds `claim`. */
  async requeue(runId: string, claim?: Fence): Promise<void> {
    await this.db.query(sql.REQUEUE_RUN, [runId, claim?.workerId ?? null, claim?.leaseEpoch ?? null]);
  }

  /** Gives a claimed run that did not start back to the queue, as the same attempt, if it still holds `claim`. */
  async release(runId: string, claim?: Fence): Promise<void> {
    await this.db.query(sql.RELEASE_RUN, [runId, claim?.workerId ?? null, claim?.leaseEpoch ?? null]);
  }

  /** Undoes a claim whose run will not start; `previousStatus` null means the claim created the thread. */
  async unclaim(runId: string, threadId: string, previousStatus: string | null): Promise<void> {
    if (previousStatus === null) await this.db.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
    else await this.db.query(sql.UNCLAIM_RUN, [runId, threadId, previousStatus]);
  }

  /**
   * Records how the run ended. With `claim`, only if the run still holds it: false when it was
   * refused (the run was reaped, and its end recorded by whoever reaped it).
   */
  async finish(
    runId: string,
    outcome: { status: RunRecordStatus; usage: Usage; ttftMs: number | null; latencyMs: number; error?: { code: string; message: string } },
    claim?: Fence,
  ): Promise<boolean> {
    const { usage } = outcome;
    const { rowCount } = await this.db.query(sql.FINISH_RUN, [
      runId, outcome.status, usage.input_tokens, usage.output_tokens, usage.total_tokens, outcome.ttftMs,
      outcome.latencyMs, outcome.error ?? null, claim?.workerId ?? null, claim?.leaseEpoch ?? null,
    ]);
    return (rowCount ?? 0) > 0;
  }

  /**
   * Asks the thread's runs to stop; returns those found, with the status they had. With
   * `allOrNothing`, none is stopped unless all are found (`applied` says which happened).
   */
  async cancel(threadId: string, runIds: string[], action: CancelAction, allOrNothing = false): Promise<{ found: { runId: string; status: RunRecordStatus }[]; applied: boolean }> {
    const { rows } = await this.db.query(sql.CANCEL_RUNS, [threadId, runIds, action, allOrNothing]);
    return { found: rows.map((r) => ({ runId: r.run_id, status: r.status })), applied: rows.length === 0 || rows[0].applied };
  }

  /** The thread's running and pending runs, oldest first. */
  async inflight(threadId: string): Promise<{ runId: string; status: RunRecordStatus }[]> {
    const { rows } = await this.db.query(sql.SELECT_INFLIGHT_RUNS, [threadId]);
    return rows.map((r) => ({ runId: r.run_id, status: r.status }));
  }

  /**
   * Deals with runs of dead processes: Agent Server runs are queued again (until `maxAttempts`),
   * others marked failed. Returns the threads of the failed ones, and whether any were queued.
   */
  async reapOrphaned(maxAttempts = 1): Promise<{ failedThreads: string[]; requeued: number }> {
    const { rows } = await this.db.query(sql.REAP_ORPHANED_RUNS, [maxAttempts]);
    return {
      failedThreads: [...new Set(rows.filter((r) => !r.retry).map((r) => r.thread_id as string))],
      requeued: rows.filter((r) => r.retry).length,
    };
  }

  /** Ids of the runs running on worker `workerId`. */
  async runningOn(workerId: number): Promise<string[]> {
    const { rows } = await this.db.query("SELECT run_id FROM runs WHERE status = 'running' AND worker_id = $1", [workerId]);
    return rows.map((r) => r.run_id as string);
  }

  /** Ends (or queues again) runs of this live worker that it lost; as `reapOrphaned`, for these ids only. */
  async repairLost(runIds: string[], workerId: number, maxAttempts = 1): Promise<{ failedThreads: string[]; requeued: number }> {
    const { rows } = await this.db.query(sql.REPAIR_LOST_RUNS, [runIds, workerId, maxAttempts]);
    return {
      failedThreads: [...new Set(rows.filter((r) => !r.retry).map((r) => r.thread_id as string))],
      requeued: rows.filter((r) => r.retry).length,
    };
  }

  /** Ends a running run whose mirror could not be projected, freeing its thread; whether runs wait on it. */
  async endUnrecorded(runId: string, outcome: { status: RunRecordStatus; usage: Usage; ttftMs: number | null; latencyMs: number; error?: { code: string; message: string } }): Promise<{ pending: boolean }> {
    const { usage } = outcome;
    const { rows } = await this.db.query(sql.END_RUN_UNRECORDED, [
      runId, outcome.status, usage.input_tokens, usage.output_tokens, usage.total_tokens, outcome.ttftMs,
      outcome.latencyMs, outcome.error ?? null,
    ]);
    return { pending: Boolean(rows[0]?.pending) };
  }

  async find(runId: string): Promise<RunRecord | null> {
    const { rows } = await this.db.query(sql.SELECT_RUN, [runId]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async list(threadId: string, options: { limit: number; offset: number; status?: RunRecordStatus }): Promise<RunRecord[]> {
    const { rows } = await this.db.query(sql.LIST_THREAD_RUNS, [threadId, options.limit, options.offset, options.status ?? null]);
    return rows.map(toRun);
  }

  /** The owner's runs in one of `statuses`, with their threads. */
  async ownedWithStatus(owner: { tenantId: string; userId: string }, statuses: RunRecordStatus[], visible?: Record<string, unknown>): Promise<{ runId: string; threadId: string }[]> {
    const { rows } = await this.db.query(sql.SELECT_OWNER_RUNS_BY_STATUS, [owner.tenantId, owner.userId, statuses, visible === undefined ? null : JSON.stringify(visible)]);
    return rows.map((r) => ({ runId: r.run_id, threadId: r.thread_id }));
  }

  /** Deletes a run that is not running; false when there is none such. */
  async delete(runId: string, threadId: string): Promise<boolean> {
    const { rows } = await this.db.query(sql.DELETE_RUN, [runId, threadId]);
    return rows.length > 0;
  }
}

/** A `runs` row (as selected, or as `to_jsonb` gives it with its timestamps as Dates) as a RunRecord. */
export function toRun(r: Record<string, any>): RunRecord {
  return {
    runId: r.run_id, threadId: r.thread_id, tenantId: r.tenant_id, graphId: r.graph_id, assistantId: r.assistant_id,
    assistantVersion: r.assistant_version, status: r.status, multitaskStrategy: r.multitask_strategy,
    workerId: r.worker_id, leaseEpoch: r.lease_epoch === null ? null : Number(r.lease_epoch), attempt: r.attempt,
    usage: { input_tokens: r.input_tokens, output_tokens: r.output_tokens, total_tokens: r.total_tokens },
    ttftMs: r.ttft_ms, latencyMs: r.latency_ms, error: r.error, metadata: r.metadata, kwargs: r.kwargs, userId: r.user_id,
    temporary: r.temporary, cancelAction: r.cancel_action, createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
