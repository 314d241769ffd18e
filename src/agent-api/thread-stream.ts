import type pg from "pg";
import { CHANNELS, type Notifier } from "../runs/notifier.js";
import type { StoredEvent } from "../runs/run-event-log.js";

export interface ThreadStreamDeps {
  pool: pg.Pool;
  notifier: Notifier;
  /** A run's events after a seq, live until it ends (AgentRuns.events). */
  runEvents(runId: string, afterSeq: number, signal: AbortSignal): AsyncIterable<StoredEvent>;
  /** How often it looks for a new run when no notification came. */
  pollMs: number;
}

/** Where a thread stream starts: now (the runs not over yet, then new ones), the thread's first run kept, or after an event it sent. */
export type ThreadStreamStart = { from: "now" } | { from: "first" } | { from: "after"; runId: string; seq: number | "done" };

export interface ThreadStreamEvent {
  /** `<run id>:<seq>`, `<run id>:done` for run_done: what Last-Event-ID gives back to continue. */
  id: string;
  event: string;
  data: string;
}

// A thread's Agent Server runs in the order they run (the queue's: when due, then id). Due times
// travel as text: a JavaScript Date would drop their microseconds and find the same run again.
const NEXT_RUN = `
  SELECT run_id, COALESCE(not_before, created_at)::text AS due FROM runs
  WHERE thread_id = $1 AND kwargs IS NOT NULL
    AND ($2::timestamptz IS NULL OR (COALESCE(not_before, created_at), run_id) > ($2::timestamptz, $3::uuid))
    AND ($4::timestamptz IS NULL OR status IN ('pending', 'running') OR created_at >= $4::timestamptz)
  ORDER BY COALESCE(not_before, created_at), run_id LIMIT 1`;
const RUN_POSITION = `SELECT COALESCE(not_before, created_at)::text AS due FROM runs WHERE run_id = $1 AND thread_id = $2`;
const RUN_STATUS = `SELECT status FROM runs WHERE run_id = $1`;
const THREAD_EXISTS = `SELECT 1 FROM threads WHERE thread_id = $1`;

/**
 * `GET /threads/:id/stream`: the events of each of the thread's runs, one run after another as they
 * run, each followed by a `run_done` event, open until the client leaves (or the thread is deleted).
 * From now it starts with the runs not over yet (from their first event), then every new one; after
 * a Last-Event-ID, with the rest of that run and every run after it whose events are still kept.
 */
export async function* threadStream(deps: ThreadStreamDeps, threadId: string, start: ThreadStreamStart, signal: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
  let position: { due: string; runId: string } | null = null;
  // Until the first run is found, "now" means runs not over yet or created since the stream opened.
  let openedAt: string | null = null;
  if (start.from === "now") openedAt = (await deps.pool.query<{ now: string }>("SELECT now()::text AS now")).rows[0]!.now;
  if (start.from === "after") {
    const { rows } = await deps.pool.query<{ due: string }>(RUN_POSITION, [start.runId, threadId]);
    if (rows[0]) {
      position = { due: rows[0].due, runId: start.runId };
      if (start.seq !== "done") yield* followRun(deps, start.runId, start.seq, signal);
    } else {
      // Its run is gone (rolled back, deleted, or its thread emptied): go on from now.
      openedAt = (await deps.pool.query<{ now: string }>("SELECT now()::text AS now")).rows[0]!.now;
    }
  }
  while (!signal.aborted) {
    const waiting = newRunSignal(deps.notifier, threadId, deps.pollMs, signal);
    try {
      const { rows } = await deps.pool.query<{ run_id: string; due: string }>(NEXT_RUN, [threadId, position?.due ?? null, position?.runId ?? null, openedAt]);
      const next = rows[0];
      if (next) {
        yield* followRun(deps, next.run_id, -1, signal);
        position = { due: next.due, runId: next.run_id };
        openedAt = null;
        continue;
      }
      if ((await deps.pool.query(THREAD_EXISTS, [threadId])).rowCount === 0) return;
      await waiting.promise;
    } finally {
      waiting.dispose();
    }
  }
}

async function* followRun(deps: ThreadStreamDeps, runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<ThreadStreamEvent> {
  for await (const e of deps.runEvents(runId, afterSeq, signal)) yield { id: `${runId}:${e.seq}`, event: e.event, data: e.data };
  if (signal.aborted) return;
  const status = (await deps.pool.query<{ status: string }>(RUN_STATUS, [runId])).rows[0]?.status ?? null;
  // null: the run is gone, rolled back.
  yield { id: `${runId}:done`, event: "run_done", data: JSON.stringify({ run_id: runId, status }) };
}

/** Resolves when a run may have been created or queued on the thread (told, or after `pollMs`), or the stream ends. */
function newRunSignal(notifier: Notifier, threadId: string, pollMs: number, signal: AbortSignal): { promise: Promise<void>; dispose(): void } {
  let done!: () => void;
  const promise = new Promise<void>((resolve) => (done = resolve));
  const hear = (payload: string) => payload === threadId && done();
  const unlisten = [notifier.on(CHANNELS.runStarted, hear), notifier.on(CHANNELS.runQueued, hear)];
  const timer = setTimeout(done, pollMs);
  signal.addEventListener("abort", done);
  return {
    promise,
    dispose() {
      for (const off of unlisten) off();
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
    },
  };
}
