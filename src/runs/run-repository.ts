import type { Queryable } from "../db/queryable.js";
import type { Usage } from "../streaming/run-event.js";
import * as sql from "./run-sql.js";

export type RunRecordStatus = "pending" | "running" | "success" | "error" | "interrupted" | "timeout";

export interface RunRecord {
  runId: string;
  threadId: string;
  assistantId: string;
  assistantVersion: number | null;
  status: RunRecordStatus;
  usage: Usage;
  ttftMs: number | null;
  latencyMs: number | null;
  error: { code: string; message: string } | null;
}

export interface ClaimInput {
  runId: string;
  threadId: string;
  tenantId: string;
  graphId: string;
  assistantId: string;
  /** The stored assistant's version that answers; null for a graph's defaults. */
  assistantVersion?: number | null;
  workerId: number;
  metadata: Record<string, unknown>;
  /** Claim only a thread with this status (a resume needs one still `interrupted`). */
  requireStatus?: "interrupted";
  /** Set when the thread does not exist yet: it is created, busy, with the run. */
  newThread?: { userId: string; metadata: Record<string, unknown> };
}

/** The `runs` table: the per-thread run slot and each run's outcome. */
export class RunRepository {
  constructor(private readonly db: Queryable) {}

  /** Takes the thread's slot for a new running run; returns the id of the run holding it otherwise. */
  async claim(input: ClaimInput): Promise<{ ok: true } | { ok: false; runningRunId: string | null }> {
    const { rows } = await this.db.query(sql.CLAIM_RUN, [
      input.runId, input.threadId, input.tenantId, input.graphId, input.assistantId, input.workerId, input.metadata,
      input.newThread?.userId ?? null, input.newThread?.metadata ?? {}, Boolean(input.newThread), input.assistantVersion ?? null,
      input.requireStatus ?? null,
    ]);
    return rows[0].run_id ? { ok: true } : { ok: false, runningRunId: rows[0].running_run_id };
  }

  /** Undoes a claim whose run will not start; `previousStatus` null means the claim created the thread. */
  async unclaim(runId: string, threadId: string, previousStatus: string | null): Promise<void> {
    if (previousStatus === null) await this.db.query("DELETE FROM threads WHERE thread_id = $1", [threadId]);
    else await this.db.query(sql.UNCLAIM_RUN, [runId, threadId, previousStatus]);
  }

  async finish(runId: string, outcome: { status: RunRecordStatus; usage: Usage; ttftMs: number | null; latencyMs: number; error?: { code: string; message: string } }): Promise<void> {
    const { usage } = outcome;
    await this.db.query(sql.FINISH_RUN, [
      runId, outcome.status, usage.input_tokens, usage.output_tokens, usage.total_tokens, outcome.ttftMs,
      outcome.latencyMs, outcome.error ?? null,
    ]);
  }

  /** Marks runs of dead processes failed; returns the threads they were running on. */
  async reapOrphaned(): Promise<string[]> {
    const { rows } = await this.db.query(sql.REAP_ORPHANED_RUNS);
    return [...new Set(rows.map((r) => r.thread_id as string))];
  }

  async find(runId: string): Promise<RunRecord | null> {
    const { rows } = await this.db.query(sql.SELECT_RUN, [runId]);
    const r = rows[0];
    if (!r) return null;
    return {
      runId: r.run_id, threadId: r.thread_id, assistantId: r.assistant_id, assistantVersion: r.assistant_version, status: r.status,
      usage: { input_tokens: r.input_tokens, output_tokens: r.output_tokens, total_tokens: r.total_tokens },
      ttftMs: r.ttft_ms, latencyMs: r.latency_ms, error: r.error,
    };
  }
}
