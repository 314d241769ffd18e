import { randomInt } from "node:crypto";
import pg from "pg";
import type { Logger } from "pino";

/**
 * The first key of the two-key advisory locks that earlier versions read as "this worker is alive".
 * The lease still takes it on its connection, so that replicas of an earlier version, during a
 * rolling upgrade, do not reap this process's runs; this version never reaps by it.
 */
export const WORKER_LOCK_CLASS = 7468;

/** What a run is claimed with: the worker and the epoch of the lease it holds now. */
export interface LeaseClaim {
  workerId: number;
  epoch: number;
}

/** Where runs get the lease they are claimed under. */
export interface LeaseSource {
  /** The lease now; null while it is being taken again (nothing may be claimed then). */
  current(): LeaseClaim | null;
  /** The lease, waiting up to `waitMs` for it to be back. */
  held(waitMs: number): Promise<LeaseClaim | null>;
}

/** held: renewed in time. retaking: its connection was lost, a new one is being opened. lost: unproven for TTL / 2. */
export type LeaseState = "held" | "retaking" | "lost";

export interface WorkerLeaseOptions {
  connectionString: string;
  /** How long a renewal proves the worker alive; others reap its runs once it has passed. */
  ttlMs: number;
  logger: Logger;
}

// A (worker, epoch) pair is never given twice: epochs come from one sequence. A re-take after the
// process gave its runs up ($4) also moves `first_live_epoch`, so those runs may be reaped at once.
const TAKE = `
  WITH e AS (SELECT nextval('worker_lease_epochs') AS epoch)
  INSERT INTO workers (worker_id, epoch, first_live_epoch, expires_at)
  SELECT $1, e.epoch, e.epoch, now() + make_interval(secs => $2::double precision / 1000) FROM e
  ON CONFLICT (worker_id) DO UPDATE SET
    epoch = excluded.epoch,
    first_live_epoch = CASE WHEN $4::boolean THEN excluded.epoch ELSE workers.first_live_epoch END,
    expires_at = excluded.expires_at, renewed_at = now()
  WHERE $3::boolean
  RETURNING epoch`;
const RENEW = `
  UPDATE workers SET expires_at = now() + make_interval(secs => $3::double precision / 1000), renewed_at = now()
  WHERE worker_id = $1 AND epoch = $2 RETURNING 1`;
const RELEASE = "DELETE FROM workers WHERE worker_id = $1 AND epoch = $2";

/**
 * This process's lease on the database: a row in `workers` renewed every TTL / 6 on a connection of
 * its own (application_name `threadloom-worker`), so a renewal late by up to TTL / 3 (a loaded event
 * loop, a slow round trip) still lands before TTL / 2. Other processes reap its runs only once the row
 * has expired, that is once the worker has been unable to prove itself alive for a whole TTL.
 *
 * When the connection drops, the lease is taken again on a new one, with backoff and jitter, under
 * the same worker id and a new epoch; runs go on meanwhile, and no run is claimed until it is back.
 * If no renewal got through for TTL / 2, the process can no longer be sure its runs are its own
 * (others reap them at TTL): `onLost` stops them first, then the lease is taken again.
 */
export class WorkerLease implements LeaseSource {
  private client: pg.Client | null = null;
  private epoch: number;
  private state: LeaseState = "held";
  private closed = false;
  /** Set once the runs were given up: the next take moves `first_live_epoch`. */
  private gaveUp = false;
  private stopping: Promise<unknown> = Promise.resolve();
  private renewTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private retaking: Promise<void> | null = null;
  private cancelSleep: (() => void) | null = null;
  private readonly waiters = new Set<() => void>();
  private lostHandler: () => Promise<unknown> | void = () => {};
  private retakenHandler: () => void = () => {};

  private constructor(
    readonly workerId: number,
    private readonly options: WorkerLeaseOptions,
    client: pg.Client,
    epoch: number,
    sentAt: number,
  ) {
    this.epoch = epoch;
    this.adopt(client, sentAt);
  }

  /** Takes a lease under a new worker id; fails (start-up stops) when the database cannot be reached. */
  static async acquire(options: WorkerLeaseOptions): Promise<WorkerLease> {
    const client = await connect(options);
    try {
      for (let attempt = 0; attempt < 20; attempt++) {
        const workerId = randomInt(1, 2 ** 31 - 1);
        const { rows: lock } = await client.query("SELECT pg_try_advisory_lock($1, $2) AS ok", [WORKER_LOCK_CLASS, workerId]);
        if (!lock[0].ok) continue;
        const sentAt = performance.now();
        const { rows } = await client.query(TAKE, [workerId, options.ttlMs, false, false]);
        if (rows[0]) {
          options.logger.info({ workerId, epoch: Number(rows[0].epoch), ttlMs: options.ttlMs }, "worker lease taken");
          return new WorkerLease(workerId, options, client, Number(rows[0].epoch), sentAt);
        }
        await client.query("SELECT pg_advisory_unlock($1, $2)", [WORKER_LOCK_CLASS, workerId]);
      }
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    await client.end();
    throw new Error("could not take a worker lease");
  }

  get status(): LeaseState {
    return this.state;
  }

  /** The lease to claim runs with now; null while it is being taken again. */
  current(): LeaseClaim | null {
    return this.state === "held" ? { workerId: this.workerId, epoch: this.epoch } : null;
  }

  /** `current()`, waiting up to `waitMs` for the lease to be back if it is being taken again. */
  async held(waitMs: number): Promise<LeaseClaim | null> {
    if (this.state === "held" || this.closed) return this.current();
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
    });
    return this.current();
  }

  /** Stops this process's runs when the lease could not be proven for TTL / 2; awaited (up to TTL / 2) before re-taking it. */
  onLost(handler: () => Promise<unknown> | void): void {
    this.lostHandler = handler;
  }

  /** Called each time the lease was taken again (runs may be claimed again). */
  onRetaken(handler: () => void): void {
    this.retakenHandler = handler;
  }

  /** Gives the lease up: its row goes, so runs still marked as this worker's are reaped at once. */
  async release(): Promise<void> {
    this.closed = true;
    clearTimeout(this.renewTimer);
    clearTimeout(this.expiryTimer);
    this.cancelSleep?.();
    await this.retaking;
    const client = this.client;
    this.client = null;
    if (!client) return;
    if (this.state === "held") await client.query(RELEASE, [this.workerId, this.epoch]).catch(() => {});
    await client.end().catch(() => {});
  }

  private adopt(client: pg.Client, sentAt: number): void {
    this.client = client;
    const drop = (err?: Error) => this.dropped(client, err ?? new Error("connection ended"));
    client.on("error", drop);
    client.on("end", () => drop());
    this.proven(sentAt);
    this.scheduleRenew();
  }

  /** A renewal sent at `sentAt` got through: the database holds the lease until at least sentAt + TTL. */
  private proven(sentAt: number): void {
    clearTimeout(this.expiryTimer);
    this.expiryTimer = setTimeout(() => this.expired(), Math.max(0, sentAt + this.options.ttlMs / 2 - performance.now()));
    this.expiryTimer.unref();
  }

  private scheduleRenew(): void {
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.renew(), this.options.ttlMs / 6);
    this.renewTimer.unref();
  }

  private async renew(): Promise<void> {
    const client = this.client;
    if (!client || this.closed) return;
    const sentAt = performance.now();
    try {
      const { rows } = await client.query(RENEW, [this.workerId, this.epoch, this.options.ttlMs]);
      if (client !== this.client) return;
      if (rows.length === 0) throw new Error("the lease's row is gone or has another epoch");
      this.proven(sentAt);
      this.scheduleRenew();
    } catch (err) {
      this.dropped(client, err as Error);
    }
  }

  /** The lease's connection failed: runs go on, claims wait, and a new connection takes the lease again. */
  private dropped(client: pg.Client, err: Error): void {
    if (client !== this.client || this.closed) return;
    this.client = null;
    clearTimeout(this.renewTimer);
    client.end().catch(() => {});
    if (this.state === "held") {
      this.state = "retaking";
      this.options.logger.warn({ err, workerId: this.workerId, epoch: this.epoch }, "worker lease connection lost: taking the lease again; runs go on");
    }
    this.startRetake();
  }

  /** No renewal for TTL / 2: others reap this worker's runs at TTL, so it stops them now. */
  private expired(): void {
    if (this.closed) return;
    const previous = this.state;
    this.state = "lost";
    this.gaveUp = true;
    this.options.logger.error(
      { workerId: this.workerId, epoch: this.epoch, unprovenMs: this.options.ttlMs / 2, was: previous },
      "worker lease could not be renewed for LEASE_TTL_MS / 2: stopping this process's runs, then taking the lease again",
    );
    const client = this.client;
    this.client = null;
    clearTimeout(this.renewTimer);
    client?.end().catch(() => {});
    this.stopping = Promise.resolve()
      .then(() => this.lostHandler())
      .catch((err) => this.options.logger.error({ err }, "stopping the runs of a lost lease failed"));
    this.startRetake();
  }

  private startRetake(): void {
    if (this.retaking || this.closed) return;
    this.retaking = this.retake().finally(() => (this.retaking = null));
  }

  private async retake(): Promise<void> {
    const cap = Math.min(5_000, Math.max(200, this.options.ttlMs / 6));
    let failedOnce = false;
    for (let attempt = 0; !this.closed; attempt++) {
      // Full jitter: replicas that lost their connections together do not come back together.
      await this.sleep(Math.random() * Math.min(cap, 100 * 2 ** attempt));
      if (this.closed) return;
      let client: pg.Client | undefined;
      try {
        // The stopped runs first save what they can under the old claim.
        await this.sleep(this.options.ttlMs / 2, this.stopping);
        if (this.closed) return;
        client = await connect(this.options);
        await client.query("SELECT pg_try_advisory_lock($1, $2)", [WORKER_LOCK_CLASS, this.workerId]);
        const sentAt = performance.now();
        const givingUp = this.gaveUp;
        const { rows } = await client.query(TAKE, [this.workerId, this.options.ttlMs, true, givingUp]);
        if (this.gaveUp && !givingUp) {
          // The runs were given up while this take was on its way: take it once more, saying so.
          await client.end().catch(() => {});
          continue;
        }
        if (this.closed) {
          await client.query(RELEASE, [this.workerId, rows[0].epoch]).catch(() => {});
          await client.end().catch(() => {});
          return;
        }
        this.epoch = Number(rows[0].epoch);
        this.gaveUp = false;
        this.state = "held";
        this.adopt(client, sentAt);
        this.options.logger.info({ workerId: this.workerId, epoch: this.epoch }, "worker lease taken again");
        for (const wake of [...this.waiters]) wake();
        this.retakenHandler();
        return;
      } catch (err) {
        await client?.end().catch(() => {});
        if (!failedOnce) this.options.logger.warn({ err, workerId: this.workerId }, "could not take the worker lease again yet; retrying with backoff");
        failedOnce = true;
      }
    }
  }

  /** Waits `ms` (or until `until` settles); `release()` ends the wait at once. */
  private sleep(ms: number, until?: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      void until?.finally(done);
      this.cancelSleep = done;
    });
  }
}

async function connect(options: WorkerLeaseOptions): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: options.connectionString, application_name: "threadloom-worker", connectionTimeoutMillis: Math.min(10_000, options.ttlMs / 2),
  });
  // Errors before the lease adopts the connection reach the caller through connect() and query().
  client.on("error", () => {});
  await client.connect();
  return client;
}
