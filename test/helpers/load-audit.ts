import { isDeepStrictEqual } from "node:util";
import type pg from "pg";
import type { AgentRun } from "./agent-load.js";
import type { ChatTurn } from "./chat-load.js";
import { checkpointMessages, mirrorMessages } from "./checkpoint-state.js";

/** What a load left behind, counted from the database: every figure but `acknowledged` should be 0. */
export interface LoadAudit {
  threads: number;
  /** Chat turns that got `start`, plus Agent Server runs whose create was answered. */
  acknowledged: number;
  /** Acknowledged, yet their message is not in the thread's checkpoint state. */
  lost: string[];
  /** In the checkpoint state more than once (acknowledged or not). */
  duplicated: string[];
  /** Runs still pending or running, threads still busy. */
  stuck: string[];
  /** Threads whose mirror (head branch) differs from their checkpoint state. */
  mirrorDiffers: string[];
  /** Chat turns whose run record disagrees with what the client was told. */
  toldOtherwise: string[];
  /** How the runs ended, by `<status> <error code>`, from the runs table. */
  ended: Record<string, number>;
}

/**
 * Counts what the clients were acknowledged against what the database holds. Each thread is read
 * through the API first (`readUrl`), which repairs a mirror a killed process left behind.
 */
export async function auditLoad(pool: pg.Pool, readUrl: string, turns: ChatTurn[], agentRuns: AgentRun[] = []): Promise<LoadAudit> {
  const { rows: threads } = await pool.query("SELECT thread_id, status FROM threads");
  const copies = new Map<string, number>();
  const audit: LoadAudit = { threads: threads.length, acknowledged: 0, lost: [], duplicated: [], stuck: [], mirrorDiffers: [], toldOtherwise: [], ended: {} };
  for (const { thread_id: threadId, status } of threads) {
    if (status === "busy") audit.stuck.push(`thread ${threadId} busy`);
    const read = await fetch(`${readUrl}/api/threads/${threadId}`);
    await read.body?.cancel();
    const [state, mirror] = await Promise.all([checkpointMessages(pool, threadId), mirrorMessages(pool, threadId)]);
    if (!isDeepStrictEqual(state, mirror)) audit.mirrorDiffers.push(threadId);
    for (const m of state) if (m.role === "user") copies.set(m.content, (copies.get(m.content) ?? 0) + 1);
  }
  const { rows: runs } = await pool.query("SELECT run_id, status, error->>'code' AS code FROM runs");
  const runById = new Map(runs.map((r) => [r.run_id as string, r as { status: string; code: string | null }]));
  for (const r of runs) {
    if (r.status === "pending" || r.status === "running") audit.stuck.push(`run ${r.run_id} ${r.status}`);
    const key = r.code ? `${r.status} ${r.code}` : r.status;
    audit.ended[key] = (audit.ended[key] ?? 0) + 1;
  }
  const asked = [...turns.map((x) => ({ message: x.message, acknowledged: Boolean(x.start) })), ...agentRuns.map((r) => ({ message: r.message, acknowledged: Boolean(r.runId) }))];
  for (const { message, acknowledged } of asked) {
    const n = copies.get(message) ?? 0;
    if (acknowledged) audit.acknowledged++;
    if (acknowledged && n === 0) audit.lost.push(message);
    if (n > 1) audit.duplicated.push(`${message} (x${n})`);
  }
  for (const x of turns) {
    if (!x.start) continue;
    const run = runById.get(x.start.run_id);
    const told = x.last === undefined ? "broken" : x.last.event === "end" ? `end ${x.last.data.status}` : `error ${x.last.data.code}`;
    // A stream its process took down ends with whatever the repair says; the others as told.
    const agrees = x.last === undefined ? run?.status === "error" || run?.status === "success"
      : x.last.event === "end" ? run?.status === x.last.data.status : run?.status === "error" && run.code === x.last.data.code;
    if (!agrees) audit.toldOtherwise.push(`${x.message}: told ${told}, run ${run ? `${run.status} ${run.code}` : "missing"}`);
  }
  return audit;
}

/** The audit as one line for the log: the stage's figures. */
export function describeAudit(stage: string, audit: LoadAudit, extra: Record<string, unknown> = {}): string {
  const { lost, duplicated, stuck, mirrorDiffers, toldOtherwise } = audit;
  return `${stage}: ${JSON.stringify({
    threads: audit.threads, acknowledged: audit.acknowledged, lost: lost.length, duplicated: duplicated.length, stuck: stuck.length,
    mirrorDiffers: mirrorDiffers.length, toldOtherwise: toldOtherwise.length, runsEnded: audit.ended, ...extra,
  })}`;
}
