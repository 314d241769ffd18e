import type { Queryable } from "../db/queryable.js";

export type CounterScope = "requests" | "tokens";

/** A subject's count in the current window, and the whole seconds until the next window begins. */
export interface WindowCount {
  count: number;
  retryAfterSeconds: number;
}

// Windows are aligned on the Unix epoch ($3 seconds long), in the database's clock, so replicas
// whose clocks differ still share them. A minute or a day window starts at 00 seconds or 00:00 UTC.
const WINDOW_START = "to_timestamp(floor(extract(epoch FROM now()) / $3::int) * $3::int)";
const RETRY_AFTER = `GREATEST(1, ceil(floor(extract(epoch FROM now()) / $3::int) * $3::int + $3::int - extract(epoch FROM now())))::int`;

/** One statement per hit: an upsert that counts in the current window or starts the next one. */
const HIT = `
  INSERT INTO usage_counters AS c (scope, subject, window_start, count)
  VALUES ($1, $2, ${WINDOW_START}, 1)
  ON CONFLICT (scope, subject) DO UPDATE SET
    -- A later window starts again; a statement whose clock is behind the row's counts in the row's.
    count = CASE WHEN excluded.window_start > c.window_start THEN 1 ELSE c.count + 1 END,
    window_start = GREATEST(c.window_start, excluded.window_start)
  RETURNING count::float8 AS count, ${RETRY_AFTER} AS retry_after`;

const READ = `
  SELECT COALESCE((SELECT count FROM usage_counters WHERE scope = $1 AND subject = $2 AND window_start = ${WINDOW_START}), 0)::float8 AS count,
         ${RETRY_AFTER} AS retry_after`;

/**
 * Fixed-window counters shared by every replica (table `usage_counters`, migration 0009). A fixed
 * window lets a client send up to twice the limit across a boundary; a limit is a guard, not a meter.
 */
export class UsageCounters {
  constructor(private readonly db: Queryable) {}

  /** Counts one more for `subject` in the current window of `windowSeconds`; returns the new count. */
  async hit(scope: CounterScope, subject: string, windowSeconds: number): Promise<WindowCount> {
    return toWindowCount((await this.db.query(HIT, [scope, subject, windowSeconds])).rows[0]);
  }

  /** The count so far in the current window (tokens are added by the database as runs end). */
  async read(scope: CounterScope, subject: string, windowSeconds: number): Promise<WindowCount> {
    return toWindowCount((await this.db.query(READ, [scope, subject, windowSeconds])).rows[0]);
  }
}

function toWindowCount(row: { count: number; retry_after: number }): WindowCount {
  return { count: row.count, retryAfterSeconds: row.retry_after };
}
