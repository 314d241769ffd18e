import type { Logger } from "pino";
import { describeDatabaseError } from "./database-unavailable.js";

/**
 * Whether a connection (the pool's, the LISTEN one) last worked, logged once per change rather than
 * once per failed try: an outage is one line when it starts and one when it ends.
 */
export class ConnectionHealth {
  private down = false;
  private readonly recovered = new Set<() => void>();

  constructor(
    private readonly logger: Logger | undefined,
    /** What the log lines name, e.g. "database" or "notification connection". */
    private readonly what: string,
    /** How loud losing it is: the database is an outage, a LISTEN connection only slows things down. */
    private readonly level: "error" | "warn" = "error",
  ) {}

  /** Called each time a connection is opened again after a loss (a reconnect, for the metrics). */
  onRecovered(listener: () => void): void {
    this.recovered.add(listener);
  }

  get reachable(): boolean {
    return !this.down;
  }

  failed(err: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger?.[this.level]({ err: describeDatabaseError(err) }, `${this.what} unreachable; reconnecting with backoff`);
  }

  succeeded(): void {
    if (!this.down) return;
    this.down = false;
    this.logger?.info(`${this.what} reachable again`);
    for (const listener of this.recovered) listener();
  }
}
