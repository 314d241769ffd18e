import { setTimeout as sleep } from "node:timers/promises";
import type pg from "pg";
import { publicThreadId } from "../conversations/thread-json.js";
import { eventJson } from "../streaming/event-json.js";
import type { RunEvent } from "../streaming/run-event.js";
import type { ActiveRun } from "./active-run.js";
import type { RunEventLog, RunEventWriter } from "./run-event-log.js";

/** One event of a native run's stream and its number: the SSE id, the Last-Event-ID a client sends back. */
export interface NumberedEvent {
  seq: number;
  event: RunEvent;
}

/** A native run's events being written to `run_events` while it runs here. */
export interface NativeRecording {
  /** Writes what is kept so far (under the run's claim); throws while the database cannot take it. */
  flush(): Promise<void>;
  /** The run's end is recorded: its closing event goes out without the claim, then joiners here end. */
  close(): Promise<void>;
}

const isTerminal = (event: RunEvent) => event.type === "end" || event.type === "error";
/** How long a joiner waits for a finished run's closing event, written just after its end is recorded. */
const CLOSING_WAIT_MS = 2_000;
const CLOSING_POLL_MS = 100;
const ACTIVE_NATIVE_RUN = "SELECT run_id FROM runs WHERE thread_id = $1 AND status = 'running' AND kwargs IS NULL LIMIT 1";
const NATIVE_RUN_OF = "SELECT 1 FROM runs WHERE run_id = $1 AND thread_id = $2 AND kwargs IS NULL";
/** Whether the client's last event was the run's closing one: then it has them all. */
const CLOSED_AT = "SELECT 1 FROM run_events WHERE run_id = $1 AND seq = $2 AND event IN ('end', 'error')";
const RUN_OUTCOME = `
  SELECT r.status, r.error, r.input_tokens, r.output_tokens, r.total_tokens, r.ttft_ms, r.latency_ms,
         t.thread_id AS "threadId", t.client_thread_id AS "clientThreadId", t.known_as AS "knownAs"
  FROM runs r JOIN threads t USING (thread_id) WHERE r.run_id = $1`;

/**
 * The native protocol's runs (POST /api/chat and the encoders beside it) keep their `RunEvent`s in
 * `run_events` as the Agent Server's runs keep theirs, numbered as their SSE frames are: a client that
 * lost its connection, or another tab, another transport, another replica, rejoins the run after the
 * last event it has.
 */
export class NativeRunEvents {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: RunEventLog,
  ) {}

  /** Starts writing the run's events; call before the run emits its first. */
  async record(run: ActiveRun): Promise<NativeRecording> {
    // Numbered from 1, as the run's channel numbers them for its SSE frames.
    const writer: RunEventWriter = await this.log.open(run.runId, 1, run.claim, 1, true);
    const unsubscribe = run.channel.subscribe((event) => writer.append(event.type, eventJson(event)));
    return {
      flush: () => writer.flush(),
      async close() {
        unsubscribe();
        // The run is no longer `running`, which the claim's fence requires: the closing event is the run's own still.
        writer.release();
        await writer.flush().catch(() => {});
        writer.end();
      },
    };
  }

  /** The native run in progress on the thread (its internal UUID), or null. */
  async active(threadId: string): Promise<string | null> {
    const { rows } = await this.pool.query(ACTIVE_NATIVE_RUN, [threadId]);
    return rows[0]?.run_id ?? null;
  }

  async isRunOf(threadId: string, runId: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(NATIVE_RUN_OF, [runId, threadId]);
    return rowCount === 1;
  }

  /**
   * The run's events after `afterSeq`, live until its closing `end` or `error` (made from its record
   * when the process running it died before sending one), or until `signal` aborts.
   */
  async *join(runId: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<NumberedEvent> {
    let after = afterSeq;
    let deadline: number | null = null;
    while (!signal.aborted) {
      for await (const stored of this.log.join(runId, after, signal)) {
        after = stored.seq;
        const event = JSON.parse(stored.data) as RunEvent;
        yield { seq: stored.seq, event };
        if (isTerminal(event)) return;
      }
      if (signal.aborted) return;
      if (after > 0 && (await this.pool.query(CLOSED_AT, [runId, after])).rowCount === 1) return;
      // Ended without its closing event in the table: it is written just after the end is recorded,
      // or never (its process died, or could not write it).
      deadline ??= Date.now() + CLOSING_WAIT_MS;
      if (Date.now() < deadline) {
        await sleep(CLOSING_POLL_MS, undefined, { signal }).catch(() => {});
        continue;
      }
      yield { seq: after + 1, event: await this.closingOf(runId) };
      return;
    }
  }

  /** The closing event a finished run would have sent, from its record. */
  private async closingOf(runId: string): Promise<RunEvent> {
    const { rows } = await this.pool.query(RUN_OUTCOME, [runId]);
    const run = rows[0];
    if (!run) return { type: "error", code: "not_found", message: `Run ${runId} was deleted.` };
    if (run.status === "error" || run.status === "timeout") {
      const error = run.error as { code?: string; message?: string } | null;
      return { type: "error", code: error?.code ?? run.status, message: error?.message ?? `The run ended with status ${run.status}.` };
    }
    return {
      type: "end", thread_id: publicThreadId(run), run_id: runId, checkpoint_id: null, status: run.status,
      usage: { input_tokens: run.input_tokens, output_tokens: run.output_tokens, total_tokens: run.total_tokens },
      latency_ms: run.latency_ms ?? 0, ttft_ms: run.ttft_ms,
    };
  }
}
