/** The webhook_deliveries table (migration 0015): claiming due deliveries, and each attempt's outcome. */

// pg reads both SQL null and JSON null as null: whether the values were given is asked apart.
const COLUMNS = "run_id, tenant_id, url, run, shown_thread_id, final_values, final_values IS NOT NULL AS values_known, attempts";

/**
 * Starts an attempt on up to $1 due deliveries, oldest due first, skipping those another process is
 * claiming: each is taken for $2 ms (then, if its attempt wrote no outcome, it is due again).
 */
export const CLAIM_DUE = `
  UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2::int / 1000.0)
  WHERE run_id IN (
    SELECT run_id FROM webhook_deliveries
    WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
    ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
  RETURNING ${COLUMNS}`;

/**
 * The process that ran run $1 gives its final values ($2) and starts the first attempt at once,
 * for $3 ms; nothing when another process started one already.
 */
export const CLAIM_ENDED = `
  UPDATE webhook_deliveries SET final_values = $2, attempts = 1, next_attempt_at = now() + make_interval(secs => $3::int / 1000.0)
  WHERE run_id = $1 AND attempts = 0 AND delivered_at IS NULL AND failed_at IS NULL
  RETURNING ${COLUMNS}`;

/** Outcomes of attempt $2 of run $1's delivery, written only if no later attempt started since. */
export const MARK_DELIVERED = `UPDATE webhook_deliveries SET delivered_at = now(), last_error = NULL WHERE run_id = $1 AND attempts = $2`;
export const MARK_RETRY = `UPDATE webhook_deliveries SET next_attempt_at = now() + make_interval(secs => $3::int / 1000.0), last_error = $4 WHERE run_id = $1 AND attempts = $2 AND delivered_at IS NULL`;
export const MARK_FAILED = `UPDATE webhook_deliveries SET failed_at = now(), last_error = $3 WHERE run_id = $1 AND attempts = $2 AND delivered_at IS NULL`;

/** Deliveries finished (sent, or given up) more than $1 ms ago. */
export const PRUNE_FINISHED = `
  DELETE FROM webhook_deliveries
  WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND COALESCE(delivered_at, failed_at) < now() - make_interval(secs => $1::bigint / 1000.0)`;
