import pg from "pg";
import type { Logger } from "pino";
import { ConnectionHealth } from "./connection-health.js";
import { describeDatabaseError, isDatabaseUnavailable } from "./database-unavailable.js";

export interface PoolOptions {
  max?: number;
  logger?: Logger;
  applicationName?: string;
  /** Called each time a connection is obtained again after the database was unavailable. */
  onReconnected?: () => void;
}

/**
 * The one pool of the process. pg waits forever for a connection by default, and a client's error
 * with no listener ends the process; both are set here. Whether the database answers is logged once
 * when it stops and once when it answers again; the pool opens new connections as they are needed,
 * so it reconnects by itself, each caller retrying at its own pace.
 */
export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const health = new ConnectionHealth(options.logger, "database");
  if (options.onReconnected) health.onRecovered(options.onReconnected);
  const clientFailed = (err: Error) => {
    // Once the pool is ending, a connection cut by the server (being stopped) is expected.
    if (pool.ending) options.logger?.debug({ err: describeDatabaseError(err) }, "database client closed while the pool ends");
    else if (isDatabaseUnavailable(err)) health.failed(err);
    else options.logger?.error({ err: describeDatabaseError(err) }, "database client failed");
  };
  const pool: pg.Pool = new pg.Pool({
    connectionString,
    max: options.max ?? 20,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? "threadloom",
    Client: watchedClient(health, clientFailed),
  });
  // Idle clients: the client's own listener (above) has seen the error already.
  pool.on("error", () => {});
  return pool;
}

/**
 * The service's statements are short reads and writes by key, but a read's set-returning functions
 * (a checkpoint's channels, a list's references: guessed at 100 rows each) multiply its estimated
 * cost past jit_above_cost: JIT then compiled for 100 ms a statement that runs in 1. A server
 * without JIT (before 11) refuses the setting, and is used as it is.
 */
const NO_JIT = "SET jit = off";

/**
 * pg's Client, telling `health` how each connection attempt went and never without an error
 * listener: the pool listens only to idle clients, so a checked-out one whose connection drops
 * between two queries (a transaction waiting on other work) would otherwise end the process.
 * A new connection is set up (NO_JIT) before it counts as connected, so before the pool hands it
 * out: set from the pool's `connect` event, the setting ran while the first caller's statement
 * waited behind it, which pg deprecates (pg 9 refuses it).
 */
function watchedClient(health: ConnectionHealth, failed: (err: Error) => void): new () => pg.Client {
  return class WatchedClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      this.on("error", failed);
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: ((err: Error) => void) | ((err: null, client: pg.Client) => void)): void;
    override connect(callback?: (err: any, client: pg.Client) => void): Promise<pg.Client> | void {
      const connected = super.connect().then(
        async () => {
          health.succeeded();
          await this.query(NO_JIT).catch(() => {});
          return this as pg.Client;
        },
        (err: Error) => {
          health.failed(err);
          throw err;
        },
      );
      if (!callback) return connected;
      connected.then((client) => callback(null, client), (err: Error) => callback(err, this as pg.Client));
    }
  };
}

/**
 * Ends the pool and waits until its connections are closed. `pool.end()` resolves once they are
 * handed back and told to end, before the server has seen them go: a server stopped at that
 * moment ends them itself, with "terminating connection due to administrator command".
 */
export async function endPool(pool: pg.Pool, waitMs = 5_000): Promise<void> {
  let open = pool.totalCount;
  let timer: NodeJS.Timeout | undefined;
  const closed = new Promise<void>((resolve) => {
    if (open === 0) return resolve();
    pool.on("remove", () => {
      if (--open <= 0) resolve();
    });
    // A connection still being opened is never removed: bounded.
    timer = setTimeout(resolve, waitMs);
  });
  await pool.end();
  await closed;
  clearTimeout(timer);
}
