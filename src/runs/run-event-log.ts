import type pg from "pg";
import type { Logger } from "pino";
import { describeDatabaseError, isTransientDatabaseError } from "../db/database-unavailable.js";
import { backoffDelay } from "../db/keep-trying.js";
import { queryWhenFree } from "../db/query-when-free.js";
import { CHANNELS, type Notifier } from "./notifier.js";
import type { RunClaim } from "./run-claim.js";

/** One event of a run's stream: its number in the run, its SSE name, its JSON text. */
export interface StoredEvent {
  seq: number;
  event: string;
  data: string;
}

type EventListener = (event: StoredEvent) => void;

/** A run's batch waiting for the statement that writes this moment's batches (RunEventLog#insert). */
interface QueuedInsert {
  runId: string;
  batch: StoredEvent[];
  claim?: RunClaim;
  resolve(written: boolean): void;
  reject(err: unknown): void;
}

/** The run left this process unfinished (shutdown): its stream goes on elsewhere, from the queue. */
export class RunMovedError extends Error {
  constructor(readonly runId: string) {
    super(`run ${runId} continues on another process`);
    this.name = "RunMovedError";
  }
}

/**
 * Batches are committed without waiting for the disk: events written during a run are made durable
 * by its end's synchronous commit (PostgreSQL flushes WAL in order), and what a crash of the database
 * loses of them is what a crash of this process would: a joiner then gets the run's end from its
 * record. So a durable server syncs its disk once for a run's end, not once more for its events.
 */
const QUICK_COMMIT = "set_config('synchronous_commit', 'off', true)";
/**
 * One or several runs' batches in one statement (see RunEventLog#insert): a claimed run's rows only
 * while it holds its claim (locked as `claimCte` locks one, in the order of their ids), an unclaimed
 * run's as they are. Each batch is known by its place in `runs` (`i`), so that one run's claim admits
 * only its own batch. Returns a row per batch written (its `i`), each run notified. The rows are plain
 * parameters, not arrays, which the driver would escape character by character (event data is JSON,
 * full of quotes).
 */
function insertRunsEvents(runs: readonly Pick<QueuedInsert, "runId" | "batch" | "claim">[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const ids = runs.map((run) => param(run.runId));
  const claimed = runs.flatMap((run, i) => (run.claim ? [`(${i}, ${ids[i]}::uuid, ${param(run.claim.workerId)}::int, ${param(run.claim.leaseEpoch)}::bigint)`] : []));
  const unclaimed = runs.flatMap((run, i) => (run.claim ? [] : [`(${i}, ${ids[i]}::uuid)`]));
  const rows = runs.flatMap((run, i) => run.batch.map((e) => `(${i}, ${ids[i]}::uuid, ${param(e.seq)}::int, ${param(e.event)}::text, ${param(e.data)}::text)`));
  const text = `
  WITH held AS (
    ${claimed.length === 0 ? "SELECT NULL::int AS i, NULL::uuid AS run_id WHERE false" : `SELECT c.i, r.run_id FROM runs r
    JOIN (VALUES ${claimed.join(", ")}) AS c(i, run_id, worker_id, lease_epoch)
      ON r.run_id = c.run_id AND r.worker_id = c.worker_id AND r.lease_epoch = c.lease_epoch
    WHERE r.status = 'running'
    ORDER BY r.run_id
    FOR SHARE OF r`}
  ), written AS (
    SELECT i, run_id FROM held${unclaimed.length === 0 ? "" : ` UNION ALL SELECT i, run_id FROM (VALUES ${unclaimed.join(", ")}) AS u(i, run_id)`}
  ), inserted AS (
    INSERT INTO run_events (run_id, seq, event, data)
    SELECT v.run_id, v.seq, v.event, v.data FROM (VALUES ${rows.join(", ")}) AS v(i, run_id, seq, event, data)
    WHERE v.i IN (SELECT i FROM written)
  )
  SELECT i, pg_notify('${CHANNELS.runEvents}', run_id::text), ${QUICK_COMMIT} FROM written`;
  return { text, values };
}
/** Events per statement (PostgreSQL takes at most 65,535 parameters). */
const INSERT_BATCH = 1000;
const SELECT_EVENTS = "SELECT seq, event, data FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT 1000";
const SELECT_EVENTS_BEFORE = "SELECT seq, event, data FROM run_events WHERE run_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT 1000";
/** Each attempt of a run numbers its events from its own block of ids (attempt n from (n - 1) × this). */
const ATTEMPT_BLOCK = 10_000_000;
/**
 * How often a run's events are written while nobody follows them from another process: a short run's
 * are written once, at its end. What a crash loses of them, a joiner gets as the run's record says.
 */
const IDLE_FLUSH_MS = 1000;
const FOLLOW = `SELECT pg_notify('${CHANNELS.runFollowed}', $1::text)`;
const RUN_FINISHED = "SELECT status NOT IN ('pending', 'running') AS finished FROM runs WHERE run_id = $1";

/**
 * The events of a run being executed in this process: written to `run_events` in batches (one
 * statement each, which also notifies other processes), so a token costs no statement of its own,
 * and kept in memory for its listeners here until they are written: a listener joining later reads
 * the written ones from the table (RunEventLog#join). A thousand long replies streaming at once held
 * every event of each in memory until its run ended.
 */
export class RunEventWriter {
  /** The events not known to be in the table yet, in order. */
  private readonly events: StoredEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private readonly endListeners = new Set<() => void>();
  private unsaved: StoredEvent[] = [];
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Flushes that failed in a row (the database away): the next is tried after a backoff. */
  private failures = 0;
  private ended = false;
  /** Set when the run ended here unfinished, to continue on another process. */
  moved = false;

  private nextSeq: number;

  constructor(
    readonly runId: string,
    /** This attempt's first event; earlier attempts' events are in the table only. */
    readonly firstSeq: number,
    private readonly log: RunEventLog,
    /** The run's claim: its events are saved only while it holds it. */
    private claim?: RunClaim,
    /**
     * A client follows the run from the table (another process): events are written every
     * `flushMs`, not every `idleFlushMs`. From the start for a run another process may continue.
     */
    private followed = true,
  ) {
    this.nextSeq = firstSeq;
  }

  append(event: string, data: string): void {
    if (this.ended) return;
    const stored = { seq: this.nextSeq++, event, data };
    this.events.push(stored);
    this.unsaved.push(stored);
    for (const listener of this.listeners) listener(stored);
    this.timer ??= setTimeout(() => this.flushLater(), this.interval());
  }

  /**
   * Listeners here read from memory; only a client following from another process (or one joining
   * after a crash) reads the table. So while none says it follows, events are written seldom (one
   * statement for a whole short run), and at once, then every `flushMs`, from when one does.
   */
  follow(): void {
    if (this.followed || this.ended) return;
    this.followed = true;
    if (this.unsaved.length > 0 && this.failures === 0) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.flushLater();
    }
  }

  /** The first event held in memory: those before it (this attempt's, from `firstSeq`) are in the table. */
  get heldFrom(): number {
    return this.events[0]?.seq ?? this.nextSeq;
  }

  /**
   * Until the next multiple of the run's flush period, on the clock every writer of this process
   * reads: the runs streaming here flush at the same moments, and their batches go in one statement
   * (RunEventLog#insert). A thousand runs each on its own timer sent 600 statements a second.
   */
  private interval(): number {
    const every = this.followed ? this.log.flushMs : this.log.idleFlushMs;
    return every - (Date.now() % every);
  }

  /** A flush of the timer's: one that fails keeps its events and is tried again, later each time. */
  private flushLater(): void {
    this.flush().catch(() => {
      this.timer ??= setTimeout(() => this.flushLater(), backoffDelay(this.failures, this.log.flushMs * 4, 5_000));
    });
  }

  /**
   * The events after `afterSeq`, then each new one until the run ends; `onEnd` once it has. Those
   * up to `heldFrom` are not here: a caller reads them from the table first.
   */
  subscribe(afterSeq: number, listener: EventListener, onEnd: () => void): () => void {
    for (const event of this.events) if (event.seq > afterSeq) listener(event);
    if (this.ended) {
      onEnd();
      return () => {};
    }
    // A client may already hold events not yet written here (it reconnected with a later id).
    const after: EventListener = (event) => {
      if (event.seq > afterSeq) listener(event);
    };
    this.listeners.add(after);
    this.endListeners.add(onEnd);
    return () => {
      this.listeners.delete(after);
      this.endListeners.delete(onEnd);
    };
  }

  /**
   * Writes what is left; listeners here end only after `end()`, once the run is recorded. When the
   * database cannot take them, the events are kept (in order) for the next flush, and this throws.
   */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.flushing) await this.flushing.catch(() => {});
    if (this.unsaved.length === 0) return;
    const batch = this.unsaved;
    this.unsaved = [];
    this.flushing = this.log.insert(this.runId, batch, this.claim).then(
      (written) => {
        this.failures = 0;
        // Written: a listener joining from now on reads them from the table.
        if (!written) return;
        const last = batch.at(-1)!.seq;
        const kept = this.events.findIndex((e) => e.seq > last);
        this.events.splice(0, kept === -1 ? this.events.length : kept);
      },
      (err) => {
        this.unsaved = [...batch, ...this.unsaved];
        if (this.failures++ === 0) this.log.warnUnsaved(this.runId, err);
        throw err;
      },
    ).finally(() => (this.flushing = null));
    await this.flushing;
    if (this.unsaved.length > 0 && !this.timer) this.timer = setTimeout(() => this.flushLater(), this.interval());
  }

  /**
   * The run's end is recorded, so its claim (a running run's) fences nothing any more: what it appends
   * now (a native run's closing event) is saved without it.
   */
  release(): void {
    this.claim = undefined;
  }

  /** The run is over and recorded (or, `moved`, queued for another process): listeners here end. */
  end(moved = false): void {
    this.moved = moved;
    this.ended = true;
    this.log.forget(this.runId);
    for (const onEnd of this.endListeners) onEnd();
    this.listeners.clear();
    this.endListeners.clear();
  }
}

/**
 * Run events in PostgreSQL, so a stream can be joined again from any process: from memory when the
 * run executes here, otherwise from `run_events`, woken by NOTIFY and polling as a fallback.
 */
export class RunEventLog {
  private readonly writers = new Map<string, RunEventWriter>();
  /** Batches asked for in this moment, written together once it is over (see insert). */
  private queued: QueuedInsert[] = [];
  /** How often a run's events are written while no other process follows it (never more often than `flushMs`). */
  readonly idleFlushMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly notifier: Notifier,
    private readonly logger: Logger,
    readonly flushMs = 25,
    private readonly pollMs = 1000,
    idleFlushMs = IDLE_FLUSH_MS,
  ) {
    this.idleFlushMs = Math.max(flushMs, idleFlushMs);
    notifier.on(CHANNELS.runFollowed, (runId) => this.writers.get(runId)?.follow());
  }

  /**
   * A writer for a run starting here; `seldom`, its events are written every `idleFlushMs` until a
   * client follows it from another process. Only for a run nobody continues after a crash (a native
   * one ends `worker_lost`): an Agent Server run is retried, and its clients rejoin it after the last
   * event they had, which must be in the table. A retried run's events are numbered after its earlier
   * attempts', from a block of its own: a client may hold events the dead process sent but never
   * saved, and their ids must not name other events now.
   */
  async open(runId: string, attempt: number, claim?: RunClaim, firstSeq = 0, seldom = false): Promise<RunEventWriter> {
    let first = firstSeq;
    if (attempt > 1) {
      const { rows } = await this.pool.query("SELECT COALESCE(max(seq) + 1, 0) AS next FROM run_events WHERE run_id = $1", [runId]);
      // (Blocks stop at 200, inside PostgreSQL's integer; later attempts go on after the last id.)
      first = Math.max(rows[0].next, Math.min(attempt - 1, 200) * ATTEMPT_BLOCK);
    }
    const writer = new RunEventWriter(runId, first, this, claim, !seldom);
    this.writers.set(runId, writer);
    return writer;
  }

  /**
   * @internal Whether every event of `batch` is now in the table. Throws only when trying again later
   * may work (the database is away); the events are kept then. The batches of every run that asks in
   * the same moment (the writers flush on one clock) go in one statement; a larger one on its own.
   */
  insert(runId: string, batch: StoredEvent[], claim?: RunClaim): Promise<boolean> {
    if (batch.length >= INSERT_BATCH) return this.insertRun(runId, batch, claim);
    return new Promise<boolean>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.insertQueued());
      this.queued.push({ runId, batch, claim, resolve, reject });
    });
  }

  /** The queued batches, in statements of at most INSERT_BATCH events each. */
  private insertQueued(): void {
    const queued = this.queued;
    this.queued = [];
    for (let i = 0; i < queued.length; ) {
      const group: QueuedInsert[] = [];
      for (let events = 0; i < queued.length && events + queued[i]!.batch.length <= INSERT_BATCH; i++) {
        group.push(queued[i]!);
        events += queued[i]!.batch.length;
      }
      void this.insertGroup(group);
    }
  }

  private async insertGroup(group: QueuedInsert[]): Promise<void> {
    if (group.length === 1) {
      const [one] = group;
      return void this.insertRun(one!.runId, one!.batch, one!.claim).then(one!.resolve, one!.reject);
    }
    let written: Set<number>;
    try {
      const { text, values } = insertRunsEvents(group);
      const { rows } = await queryWhenFree(this.pool, text, values);
      written = new Set(rows.map((row) => row.i as number));
    } catch (err) {
      // The database away: each run keeps its events. Anything else is one run's (rolled back
      // meanwhile, its events' foreign key): each run's batch again, on its own.
      if (isTransientDatabaseError(err)) return void group.forEach((q) => q.reject(err));
      for (const q of group) this.insertRun(q.runId, q.batch, q.claim).then(q.resolve, q.reject);
      return;
    }
    group.forEach((q, i) => q.resolve(written.has(i) || this.claimLost(q.runId, q.claim!)));
  }

  /** One run's batch, in statements of at most INSERT_BATCH events. */
  private async insertRun(runId: string, batch: StoredEvent[], claim?: RunClaim): Promise<boolean> {
    let i = 0;
    try {
      for (; i < batch.length; i += INSERT_BATCH) {
        const { text, values } = insertRunsEvents([{ runId, batch: batch.slice(i, i + INSERT_BATCH), claim }]);
        const { rows } = await queryWhenFree(this.pool, text, values);
        if (rows.length === 0) return this.claimLost(runId, claim!);
      }
      return true;
    } catch (err) {
      if (isTransientDatabaseError(err)) {
        // The parts written already are not written twice (their ids would clash).
        batch.splice(0, i);
        throw err;
      }
      // A run rolled back meanwhile takes its events with it (foreign key): nothing to keep.
      if ((err as { code?: string }).code !== "23503") this.logger.error({ err, runId }, "could not save run events");
      return false;
    }
  }

  /** Reaped: another attempt (or nobody) owns the run's stream now; this one stops. */
  private claimLost(runId: string, claim: RunClaim): false {
    this.logger.warn({ runId, workerId: claim.workerId, leaseEpoch: claim.leaseEpoch }, "run lost its claim: its events were not saved");
    claim.lost?.();
    return false;
  }

  /** @internal */
  warnUnsaved(runId: string, err: unknown): void {
    this.logger.warn({ err: describeDatabaseError(err), runId }, "could not save run events yet; they are kept and tried again");
  }

  /** @internal */
  forget(runId: string): void {
    this.writers.delete(runId);
  }

  /**
   * Wakes the run's joiners in every process (after its end is recorded). A notice is never durable:
   * its commit (a NOTIFY takes a transaction id) need not wait for the disk.
   */
  async announce(runId: string): Promise<void> {
    await this.pool.query(`SELECT pg_notify('${CHANNELS.runEvents}', $1::text), ${QUICK_COMMIT}`, [runId]);
  }

  /**
   * The run's events after `afterSeq`, live until the run has ended (or `signal` aborts): from this
   * process's memory when it runs here, else from the table. `follow: false` for a caller that only
   * waits for the end (runs.join): the run's process need not write its events any sooner for it.
   */
  async *join(runId: string, afterSeq: number, signal?: AbortSignal, { follow = true } = {}): AsyncGenerator<StoredEvent> {
    let after = afterSeq;
    let woken = false;
    let wake: (() => void) | null = null;
    const stopWaiting = () => wake?.();
    const unlisten = this.notifier.on(CHANNELS.runEvents, (payload) => {
      if (payload !== runId) return;
      woken = true;
      wake?.();
    });
    signal?.addEventListener("abort", stopWaiting);
    // The process running it (if any) writes the run's events sooner from now on; told again at most
    // once a poll interval, in case the run (queued) started there after this was first said.
    let toldAt = -Infinity;
    try {
      while (!signal?.aborted) {
        const local = this.writers.get(runId);
        if (local) {
          // Earlier attempts' events, and this one's written already, are only in the table. The
          // writer drops more as it writes them: what it still holds is asked again after each read,
          // and the subscription follows the last check with no wait between.
          for (let held = local.heldFrom; after < held - 1; held = local.heldFrom) {
            const { rows } = await this.pool.query(SELECT_EVENTS_BEFORE, [runId, after, held]);
            for (const row of rows) yield row as StoredEvent;
            after = rows.length === 1000 ? rows[rows.length - 1].seq : held - 1;
          }
          yield* this.followLocal(local, after, signal);
          return;
        }
        woken = false;
        if (follow && performance.now() - toldAt >= this.pollMs) {
          toldAt = performance.now();
          await this.pool.query(FOLLOW, [runId]);
        }
        const { rows } = await this.pool.query(SELECT_EVENTS, [runId, after]);
        for (const row of rows) {
          after = row.seq;
          yield row as StoredEvent;
        }
        if (rows.length === 1000 || woken) continue;
        // Events are written before the run's end is recorded: a finished run has no more to come
        // once one more read after seeing it finished finds none.
        const { rows: status } = await this.pool.query(RUN_FINISHED, [runId]);
        if (!status[0] || status[0].finished) {
          const { rows: last } = await this.pool.query(SELECT_EVENTS, [runId, after]);
          for (const row of last) yield row as StoredEvent;
          if (last.length < 1000) return;
          after = last[last.length - 1].seq;
          continue;
        }
        if (woken) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
      }
    } finally {
      unlisten();
      signal?.removeEventListener("abort", stopWaiting);
    }
  }

  /** Deletes the events of runs that ended longer ago than `retentionMs`; returns how many. */
  async prune(retentionMs: number): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM run_events e USING runs r
       WHERE e.run_id = r.run_id AND e.created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND r.status NOT IN ('pending', 'running')`,
      [retentionMs],
    );
    return rowCount ?? 0;
  }

  private async *followLocal(writer: RunEventWriter, afterSeq: number, signal?: AbortSignal): AsyncGenerator<StoredEvent> {
    const queue: StoredEvent[] = [];
    let ended = false;
    let wake: (() => void) | null = null;
    const unsubscribe = writer.subscribe(
      afterSeq,
      (event) => {
        queue.push(event);
        wake?.();
      },
      () => {
        ended = true;
        wake?.();
      },
    );
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        while (queue.length > 0) yield queue.shift()!;
        if (ended && writer.moved) throw new RunMovedError(writer.runId);
        if (ended) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
