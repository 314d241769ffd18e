import type pg from "pg";
import type { Logger } from "pino";
import { CHECKPOINT_SCHEMA } from "../db/create-checkpointer.js";
import { inTransaction } from "../db/queryable.js";
import { removeThreads } from "../db/remove-checkpoints.js";
import type { CheckpointerTtl } from "../manifest/read-manifest.js";
import { pruneThread, type SweptThread } from "./prune-thread.js";
import { DELETE_THREADS, ENSURE_SWEEP, LOCK_SWEEP, MOVE_SWEEP, NEXT_THREADS } from "./retention-sql.js";

export interface RetentionSettings {
  /** The manifest's `checkpointer.ttl`. */
  ttl?: CheckpointerTtl;
  /** CHECKPOINT_PRUNE_AFTER_MINUTES: prune threads idle this long (see planPrune). */
  pruneAfterMinutes?: number;
}

/** Threads one transaction handles: its locks are held that long. */
const BATCH = 50;
/** At most this many threads a prune pass (TTL passes have the manifest's sweep_limit). */
const PRUNE_LIMIT = 1_000;
/** LangGraph's platform sweeps every 5 minutes unless told otherwise. */
const DEFAULT_INTERVAL_MINUTES = 5;

export interface SweepResult {
  /** Threads deleted by ttl "delete". */
  deletedThreads: number;
  /** Checkpoints removed by ttl "keep_latest" and by pruning. */
  prunedCheckpoints: number;
}

/**
 * Retention, opt-in: every replica runs the sweeps, each a walk over threads by when they last
 * changed, from a position kept in `retention_sweeps`. A pass locks its sweep's row (SKIP LOCKED: a
 * replica finding it taken does nothing this time), handles a batch of threads a transaction, and
 * moves the position on; with nothing new it reads one index entry.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: { pool: pg.Pool; logger: Logger; settings: RetentionSettings }) {}

  get enabled(): boolean {
    return Boolean(this.deps.settings.ttl || this.deps.settings.pruneAfterMinutes);
  }

  /** Creates the sweeps' rows (the TTL's position starts now), then sweeps every interval. */
  async start(): Promise<void> {
    if (!this.enabled) return;
    if (this.deps.settings.ttl) await this.deps.pool.query(ENSURE_SWEEP, ["ttl", "now"]);
    if (this.deps.settings.pruneAfterMinutes) await this.deps.pool.query(ENSURE_SWEEP, ["prune", "-infinity"]);
    const minutes = this.deps.settings.ttl?.sweepIntervalMinutes ?? DEFAULT_INTERVAL_MINUTES;
    this.timer = setInterval(() => {
      this.running ??= this.sweepOnce()
        .catch((err) => this.deps.logger.warn({ err }, "retention sweep failed; trying again next interval"))
        .finally(() => (this.running = undefined));
    }, minutes * 60_000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass of each configured sweep. */
  async sweepOnce(): Promise<SweepResult> {
    const result: SweepResult = { deletedThreads: 0, prunedCheckpoints: 0 };
    const { ttl, pruneAfterMinutes } = this.deps.settings;
    if (ttl) {
      const count = await this.pass("ttl", ttl.defaultTtlMinutes, ttl.sweepLimit, (client, threads) => (ttl.strategy === "delete" ? deleteThreads(client, threads) : pruneAll(client, threads, "ttl")));
      if (ttl.strategy === "delete") result.deletedThreads += count;
      else result.prunedCheckpoints += count;
    }
    if (pruneAfterMinutes) result.prunedCheckpoints += await this.pass("prune", pruneAfterMinutes, PRUNE_LIMIT, (client, threads) => pruneAll(client, threads, "prune"));
    if (result.deletedThreads || result.prunedCheckpoints) this.deps.logger.info(result, "retention removed expired threads and checkpoints");
    return result;
  }

  /** Walks threads idle for `minutes`, past the sweep's position, `BATCH` a transaction, up to `limit`. */
  private async pass(name: string, minutes: number, limit: number, handle: (client: pg.PoolClient, threads: SweptThread[]) => Promise<number>): Promise<number> {
    let seen = 0;
    let total = 0;
    while (seen < limit) {
      const batch = await inTransaction(this.deps.pool, async (client) => {
        const position = (await client.query(LOCK_SWEEP, [name])).rows[0];
        if (!position) return null;
        const { rows } = await client.query(NEXT_THREADS, [position.cursor_at, position.cursor_id, minutes, Math.min(BATCH, limit - seen)]);
        if (rows.length === 0) return { seen: 0, count: 0 };
        // A thread with a run going or queued is left: its run's end changes it, so it comes back.
        const idle = rows.filter((r) => !r.active).map((r) => ({ threadId: r.thread_id, uuid: r.uuid, headCheckpointId: r.head_checkpoint_id }));
        const count = idle.length > 0 ? await handle(client, idle) : 0;
        const last = rows[rows.length - 1];
        await client.query(MOVE_SWEEP, [name, last.at, last.thread_id]);
        return { seen: rows.length, count };
      });
      if (!batch) break;
      total += batch.count;
      seen += batch.seen;
      if (batch.seen < BATCH) break;
    }
    return total;
  }
}

async function deleteThreads(client: pg.PoolClient, threads: SweptThread[]): Promise<number> {
  const ids = threads.map((t) => t.threadId);
  await removeThreads(client, CHECKPOINT_SCHEMA, ids);
  return (await client.query(DELETE_THREADS, [ids])).rowCount ?? 0;
}

async function pruneAll(client: pg.PoolClient, threads: SweptThread[], reason: "prune" | "ttl"): Promise<number> {
  let count = 0;
  for (const thread of threads) count += await pruneThread(client, thread, reason);
  return count;
}
