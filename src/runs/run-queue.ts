import type { Logger } from "pino";
import { describeDatabaseError, isDatabaseUnavailable } from "../db/database-unavailable.js";
import { CHANNELS, type Notifier } from "./notifier.js";
import type { RunRecord, RunRepository } from "./run-repository.js";
import type { LeaseSource } from "./worker-lease.js";

export interface RunQueueDeps {
  runs: RunRepository;
  notifier: Notifier;
  /** Runs are claimed under it; while it is being taken again, none are. */
  lease: LeaseSource;
  logger: Logger;
  /** Queued runs this process executes at once. */
  concurrency: number;
  /** How often it looks for work without being told (and does `maintain`). */
  pollMs: number;
  /** Executes a run claimed from the queue; resolves when it has ended. It gives `place` back once the run holds its own. */
  execute(run: RunRecord, place: () => void): Promise<void>;
  /** A place among the runs the process may execute at once (MAX_CONCURRENT_RUNS), or null when none is free. */
  reservePlace(): (() => void) | null;
  /** Periodic upkeep: reaping runs of dead processes, pruning old events. */
  maintain(): Promise<void>;
  /**
   * Makes a claim (whose run the database picks) one step upkeep waits for, and keeps the run it
   * claimed out of upkeep's repairs until it has started (the run manager's `claiming` and `hold`).
   */
  guardClaim?(claim: () => Promise<RunRecord | null>): Promise<RunRecord | null>;
}

/**
 * This process's share of the run queue in PostgreSQL: it claims pending runs (oldest first, one per
 * thread at a time, SKIP LOCKED so processes never take the same one) when told a run was queued or
 * a thread freed, and every `pollMs` in case a notification was missed.
 */
export class RunQueue {
  private inFlight = 0;
  private claiming: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => void) | undefined;

  constructor(private readonly deps: RunQueueDeps) {}

  start(): void {
    this.unlisten = this.deps.notifier.on(CHANNELS.runQueued, () => this.kick());
    this.timer = setInterval(() => {
      this.deps.maintain().catch((err) => this.warn(err, "run queue upkeep failed")).finally(() => this.kick());
    }, this.deps.pollMs);
    this.timer.unref();
    this.kick();
  }

  /** Whether this process could take another queued run now. */
  get hasRoom(): boolean {
    return !this.stopped && this.inFlight < this.deps.concurrency;
  }

  /** Claims and starts queued runs while this process has room for them. */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claimWhileRoom().finally(() => (this.claiming = null));
  }

  /** Takes no more runs; those executing are the run manager's to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.unlisten?.();
    await this.claiming;
  }

  /** The database being away is logged once, by the pool; each poll that fails because of it is not. */
  private warn(err: unknown, message: string): void {
    if (isDatabaseUnavailable(err)) this.deps.logger.debug({ err: describeDatabaseError(err) }, message);
    else this.deps.logger.warn({ err }, message);
  }

  private async claimWhileRoom(): Promise<void> {
    do {
      this.again = false;
      while (!this.stopped && this.inFlight < this.deps.concurrency) {
        // Taken before the claim: a full process leaves the run pending for a free place, here or elsewhere.
        const place = this.deps.reservePlace();
        if (!place) break;
        const lease = this.deps.lease.current();
        if (!lease) {
          place();
          break;
        }
        const claim = () => this.deps.runs.claimNext(lease);
        const run = await (this.deps.guardClaim ? this.deps.guardClaim(claim) : claim()).catch((err) => {
          this.warn(err, "could not claim a queued run");
          return null;
        });
        if (!run) {
          place();
          break;
        }
        this.inFlight++;
        void this.deps
          .execute(run, place)
          .catch((err) => this.deps.logger.error({ err, runId: run.runId }, "queued run failed to start"))
          .finally(() => {
            place();
            this.inFlight--;
            this.kick();
          });
      }
    } while (this.again && !this.stopped);
  }
}
