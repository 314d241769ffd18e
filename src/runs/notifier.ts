import pg from "pg";
import type { Logger } from "pino";
import { ConnectionHealth } from "../db/connection-health.js";
import { describeDatabaseError } from "../db/database-unavailable.js";
import { backoffDelay } from "../db/keep-trying.js";

/** The channels processes of the service tell each other on. */
export const CHANNELS = {
  /** A run's new stream events are in `run_events` (payload: the run id). */
  runEvents: "threadloom_run_events",
  /** A run is asked to stop (payload: the run id). */
  runCancel: "threadloom_run_cancel",
  /** A run was queued (payload: the thread id). */
  runQueued: "threadloom_run_queued",
  /** A run was started on a thread without waiting in the queue (payload: the thread id). */
  runStarted: "threadloom_run_started",
  /** A client follows a run's events from the table (payload: the run id): its process writes them sooner. */
  runFollowed: "threadloom_run_followed",
} as const;

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];
type Listener = (payload: string) => void;

export interface NotifierOptions {
  /** Called each time the LISTEN connection is open again after it was lost. */
  onReconnected?: () => void;
}

/**
 * PostgreSQL LISTEN on one connection of its own, shared by everything in the process that waits
 * for another process: stream joiners, the run queue, cancellation. A lost connection is opened
 * again, with backoff and jitter, and logged once when lost and once when back; whatever waits also
 * polls, so a notification missed meanwhile costs a delay, not an event.
 */
export class Notifier {
  private client: pg.Client | null = null;
  private readonly listeners = new Map<string, Set<Listener>>();
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  private tries = 0;
  private readonly health: ConnectionHealth;

  private constructor(
    private readonly connectionString: string,
    private readonly logger: Logger,
    options: NotifierOptions,
  ) {
    this.health = new ConnectionHealth(logger, "notification connection", "warn");
    if (options.onReconnected) this.health.onRecovered(options.onReconnected);
  }

  static async connect(connectionString: string, logger: Logger, options: NotifierOptions = {}): Promise<Notifier> {
    const notifier = new Notifier(connectionString, logger, options);
    await notifier.open();
    return notifier;
  }

  on(channel: Channel, listener: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    await this.client?.end().catch(() => {});
    this.client = null;
  }

  private async open(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString, application_name: "threadloom-notify", connectionTimeoutMillis: 10_000 });
    client.on("notification", (msg) => {
      for (const listener of this.listeners.get(msg.channel) ?? []) listener(msg.payload ?? "");
    });
    // A connection that drops reports an error, then ends; one the server closes cleanly only ends.
    const lost = (err: Error) => {
      if (this.closed || this.client !== client) return;
      this.client = null;
      this.health.failed(err);
      client.end().catch(() => {});
      this.reconnect();
    };
    client.on("error", lost);
    client.on("end", () => lost(new Error("Connection terminated unexpectedly")));
    try {
      await client.connect();
      for (const channel of Object.values(CHANNELS)) await client.query(`LISTEN ${channel}`);
    } catch (err) {
      client.end().catch(() => {});
      throw err;
    }
    this.client = client;
    this.tries = 0;
    this.health.succeeded();
  }

  private reconnect(): void {
    if (this.closed) return;
    this.retry = setTimeout(() => {
      this.open().catch((err) => {
        this.health.failed(err);
        this.logger.debug({ err: describeDatabaseError(err) }, "could not reconnect the notification connection yet");
        this.reconnect();
      });
    }, backoffDelay(this.tries++, 250, 10_000));
  }
}
