import { WORKER_LOCK_CLASS } from "./worker-lease.js";

const RUN_COLUMNS = `run_id, thread_id, tenant_id, graph_id, assistant_id, assistant_version, status, multitask_strategy, worker_id,
  lease_epoch, attempt, input_tokens, output_tokens, total_tokens, ttft_ms, latency_ms, error, metadata, kwargs, user_id, temporary,
  cancel_action, created_at, updated_at, started_at, ended_at`;

/**
 * Takes the thread's run slot in one statement, under worker $6's lease epoch $18 (and says so on
 * the run-started channel), creating the
 * thread first when $10 says it is new (with the id the client chose for it, $17, if any), and only if the thread has status $12 when
 * that is given. Runs queued on the thread go first: a claim does not jump them. Returns the new
 * run (its record's columns, as SELECT_RUN reads them), or a null run_id and the id of the run that
 * holds the slot or heads the queue (null too when the status did not match).
 */
const claimRun = (extra: string) => `
  WITH new_thread AS (
    INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, metadata, status, client_thread_id)
    SELECT $2, $3, $8, $4, $5, $9, 'busy', $17 WHERE $10::boolean
    RETURNING thread_id
  ), run AS (
    INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, assistant_version, status, multitask_strategy,
                      worker_id, metadata, started_at, kwargs, user_id, temporary, lease_epoch)
    SELECT $1, $2, $3, $4, $5, $11, 'running', $14, $6, $7, now(), $13, $15, $16, $18
    -- A resume ($12 = 'interrupted') claims only a thread still waiting: checked here, not before.
    WHERE ($12::text IS NULL OR EXISTS (SELECT 1 FROM threads WHERE thread_id = $2 AND status = $12::text))
      AND NOT EXISTS (SELECT 1 FROM runs WHERE thread_id = $2 AND status = 'pending')
    ON CONFLICT (thread_id) WHERE status = 'running' DO NOTHING
    RETURNING ${RUN_COLUMNS}
  ), busy AS (
    -- A thread made without a graph takes this run's (see migration 0011).
    UPDATE threads SET status = 'busy', updated_at = now(), graph_id = CASE WHEN graph_chosen THEN graph_id ELSE $4 END, assistant_id = CASE WHEN graph_chosen THEN assistant_id ELSE $5 END, graph_chosen = true
    WHERE thread_id = $2 AND NOT $10::boolean AND EXISTS (SELECT 1 FROM run)
    RETURNING 1
  )
  SELECT run.*,
         COALESCE((SELECT run_id FROM runs WHERE thread_id = $2 AND status = 'running'),
                  (SELECT run_id FROM runs WHERE thread_id = $2 AND status = 'pending' ORDER BY created_at, run_id LIMIT 1)) AS running_run_id,
         (SELECT count(*) FROM new_thread) + (SELECT count(*) FROM busy) AS touched,
         -- Those who follow the thread's runs (GET /threads/:id/stream) hear of it.
         (SELECT pg_notify('threadloom_run_started', $2::text) FROM run) IS NULL AS notified${extra}
  FROM (VALUES (1)) AS one LEFT JOIN run ON true`;
export const CLAIM_RUN = claimRun("");

/**
 * CLAIM_RUN committed without waiting for its WAL flush. Only for a run that acknowledges nothing
 * before a later synchronous commit of its own (a native turn holds its `start` until the
 * checkpoint with its message in the state is committed, see InputWatchers): PostgreSQL flushes WAL in order, so that commit makes this one durable
 * too, and a crash before it loses a claim nobody was told of. On a durable server it saves one
 * WAL flush (one disk sync, often 5–20 ms) before the model is called.
 */
export const CLAIM_RUN_QUICK_COMMIT = claimRun(`,
         set_config('synchronous_commit', 'off', true) AS quick_commit`);

/** The run that holds thread $1's slot, or else heads its queue. */
export const SELECT_SLOT_HOLDER = `
  SELECT run_id FROM runs WHERE thread_id = $1 AND status IN ('running', 'pending')
  ORDER BY status = 'running' DESC, created_at, run_id LIMIT 1`;

/**
 * A claim still held: worker $w and epoch $e (both null: no claim to check). A plain UPDATE
 * re-checks it on the row it waited for, so a run reaped meanwhile is not changed.
 */
const holds = (w: string, e: string) => `(${w}::int IS NULL OR (worker_id = ${w}::int AND lease_epoch = ${e}::bigint AND status = 'running'))`;

/** A running run back to the queue as its next attempt, announced to every process (if it holds claim $2, $3). */
export const REQUEUE_RUN = `
  WITH run AS (
    UPDATE runs SET status = 'pending', attempt = attempt + 1, worker_id = NULL, lease_epoch = NULL, updated_at = now()
    WHERE run_id = $1 AND status = 'running' AND ${holds("$2", "$3")}
    RETURNING thread_id
  )
  SELECT pg_notify('threadloom_run_queued', thread_id::text) IS NULL AS notified FROM run`;

/** Gives back a slot taken by a run that will not start: the run goes, the thread is as it was. */
export const UNCLAIM_RUN = `
  WITH gone AS (DELETE FROM runs WHERE run_id = $1)
  UPDATE threads SET status = $3 WHERE thread_id = $2`;

/** Records how the run ended, if it holds claim $9, $10 (when given). */
export const FINISH_RUN = `
  UPDATE runs SET status = $2, input_tokens = $3, output_tokens = $4, total_tokens = $5, ttft_ms = $6,
                  latency_ms = $7, error = $8, ended_at = now(), updated_at = now()
  WHERE run_id = $1 AND ${holds("$9", "$10")}`;

/** A claimed run that did not start, back to the queue as the same attempt (if it holds claim $2, $3). */
export const RELEASE_RUN = `
  UPDATE runs SET status = 'pending', worker_id = NULL, lease_epoch = NULL, updated_at = now()
  WHERE run_id = $1 AND status = 'running' AND ${holds("$2", "$3")}`;

/**
 * Queues a run behind the thread's others (multitask_strategy enqueue, interrupt, rollback), due
 * $12 seconds from now (after_seconds); returns it as queued. With $13 it is queued only if the
 * thread has no run running or queued (reject), and nothing is returned otherwise.
 */
export const ENQUEUE_RUN = `
  WITH run AS (
    INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, assistant_version, status, multitask_strategy,
                      metadata, kwargs, user_id, temporary, not_before)
    SELECT $1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9, $10, $11,
           CASE WHEN $12::float8 > 0 THEN now() + make_interval(secs => $12::float8) END
    WHERE NOT $13::boolean OR NOT EXISTS (SELECT 1 FROM runs WHERE thread_id = $2 AND status IN ('pending', 'running'))
    RETURNING *
  ), busy AS (
    UPDATE threads SET status = 'busy', updated_at = now(), graph_id = CASE WHEN graph_chosen THEN graph_id ELSE $4 END, assistant_id = CASE WHEN graph_chosen THEN assistant_id ELSE $5 END, graph_chosen = true
    WHERE thread_id = $2 AND EXISTS (SELECT 1 FROM run)
  )
  SELECT run.*, pg_notify('threadloom_run_queued', $2::text) IS NULL AS notified FROM run`;

/**
 * Starts the pending run due first whose thread is free (no running run, no pending run due
 * before it) and whose time has come (not_before), on worker $1 under its lease epoch $3; $2
 * restricts it to one thread. SKIP LOCKED lets processes take different runs at once.
 */
export const CLAIM_NEXT_RUN = `
  WITH next AS (
    SELECT r.run_id FROM runs r
    WHERE r.status = 'pending' AND ($2::uuid IS NULL OR r.thread_id = $2)
      AND COALESCE(r.not_before, r.created_at) <= now()
      AND NOT EXISTS (SELECT 1 FROM runs x WHERE x.thread_id = r.thread_id AND x.status = 'running')
      AND NOT EXISTS (SELECT 1 FROM runs p WHERE p.thread_id = r.thread_id AND p.status = 'pending'
                      AND (COALESCE(p.not_before, p.created_at), p.run_id) < (COALESCE(r.not_before, r.created_at), r.run_id))
    ORDER BY COALESCE(r.not_before, r.created_at), r.run_id
    LIMIT 1
    FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE runs SET status = 'running', worker_id = $1, lease_epoch = $3, started_at = now(), updated_at = now()
    FROM next WHERE runs.run_id = next.run_id
    RETURNING runs.*
  ), busy AS (
    UPDATE threads SET status = 'busy', updated_at = now() WHERE thread_id = (SELECT thread_id FROM claimed)
  )
  SELECT * FROM claimed`;

/**
 * Asks runs of thread $1 to stop with action $3: a running one is flagged (its process stops it); a
 * pending one never starts: it ends interrupted, or with rollback it is deleted. Returns each run found.
 * With $4 (all or nothing) it changes nothing unless every run asked for is there: a request that is
 * answered 404 must not have stopped some of them. Rows are locked in run id order: concurrent cancels
 * of overlapping runs (racing interrupt/rollback creates) then wait for each other, never deadlock.
 */
export const CANCEL_RUNS = `
  WITH target AS (
    SELECT run_id, status FROM runs WHERE thread_id = $1 AND run_id = ANY($2::uuid[]) ORDER BY run_id FOR UPDATE
  ), apply AS (
    SELECT NOT $4 OR (SELECT count(*) FROM target) = (SELECT count(DISTINCT id) FROM unnest($2::uuid[]) id) AS ok
  ), flagged AS (
    UPDATE runs SET cancel_action = $3, updated_at = now()
    WHERE (SELECT ok FROM apply) AND run_id IN (SELECT run_id FROM target WHERE status = 'running')
    RETURNING run_id
  ), stopped AS (
    UPDATE runs SET status = 'interrupted', ended_at = now(), updated_at = now()
    WHERE (SELECT ok FROM apply) AND $3 = 'interrupt' AND run_id IN (SELECT run_id FROM target WHERE status = 'pending')
  ), dropped AS (
    DELETE FROM runs WHERE (SELECT ok FROM apply) AND $3 = 'rollback' AND run_id IN (SELECT run_id FROM target WHERE status = 'pending')
  ), freed AS (
    -- A queued run held its thread with no run ahead (it waited for a place): with it gone, and no
    -- other run running or queued, nothing else would ever free the thread.
    UPDATE threads SET status = 'idle', updated_at = now()
    WHERE thread_id = $1 AND status = 'busy' AND (SELECT ok FROM apply) AND EXISTS (SELECT 1 FROM target WHERE status = 'pending')
      AND NOT EXISTS (SELECT 1 FROM runs WHERE thread_id = $1 AND status IN ('pending', 'running')
                      AND run_id NOT IN (SELECT run_id FROM target WHERE status = 'pending'))
  )
  SELECT run_id, status, (SELECT ok FROM apply) AS applied FROM target`;

/**
 * Ends the runs picked by CTE `picked` (run_id, retry): one to retry goes back to the queue with its
 * attempt counted and its claim dropped; any other fails with `error`. Returns each with `retry`.
 */
function requeueOrFail(picked: string, error: { code: string; message: string }): string {
  return `UPDATE runs r SET
    status = CASE WHEN p.retry THEN 'pending' ELSE 'error' END,
    attempt = r.attempt + CASE WHEN p.retry THEN 1 ELSE 0 END,
    worker_id = CASE WHEN p.retry THEN NULL ELSE r.worker_id END,
    lease_epoch = CASE WHEN p.retry THEN NULL ELSE r.lease_epoch END,
    ended_at = CASE WHEN p.retry THEN NULL ELSE now() END,
    updated_at = now(),
    error = CASE WHEN p.retry THEN NULL ELSE '${JSON.stringify(error)}'::jsonb END
  FROM ${picked} p WHERE r.run_id = p.run_id
  RETURNING r.run_id, r.thread_id, p.retry`;
}

/**
 * Runs whose worker's lease has expired: it has not proven itself alive for a whole LEASE_TTL_MS (its
 * process died, or lost the database), or it gave those runs up itself (claimed under an epoch before
 * `first_live_epoch`). A connection that merely dropped reaps nothing: its process takes its lease
 * again and its runs go on. Claims from before leases had epochs (a replica of an earlier version)
 * count as alive while that worker's advisory lock is held.
 *
 * An Agent Server run (it has kwargs) goes back to the queue with its attempt counted, up to $1
 * attempts; any other is marked failed and its slot freed. Either way its claim is gone, so whatever
 * the old executor still writes is refused. Returns each with whether it was queued again. Rows of
 * workers expired for a day go too.
 */
export const REAP_ORPHANED_RUNS = `
  WITH orphaned AS (
    SELECT r.run_id, (r.kwargs IS NOT NULL AND r.attempt < $1 AND r.cancel_action IS NULL) AS retry
    FROM runs r
    WHERE r.status = 'running'
      AND NOT EXISTS (
        SELECT 1 FROM workers w
        WHERE w.worker_id = r.worker_id AND w.expires_at > now() AND r.lease_epoch >= w.first_live_epoch)
      AND NOT (r.lease_epoch IS NULL AND EXISTS (
        SELECT 1 FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND l.classid = ${WORKER_LOCK_CLASS} AND l.objid = r.worker_id::oid))
    FOR UPDATE OF r SKIP LOCKED
  ), forgotten AS (
    DELETE FROM workers WHERE expires_at < now() - interval '1 day'
  )
  ${requeueOrFail("orphaned", { code: "worker_lost", message: "The process running this run stopped before it finished." })}`;

/**
 * Runs of live worker $2 (this process) that it no longer has in memory, among $1: handled as
 * REAP_ORPHANED_RUNS handles a dead worker's, but only while still running on $2.
 */
export const REPAIR_LOST_RUNS = `
  WITH lost AS (
    SELECT r.run_id, (r.kwargs IS NOT NULL AND r.attempt < $3 AND r.cancel_action IS NULL) AS retry
    FROM runs r
    WHERE r.run_id = ANY($1::uuid[]) AND r.status = 'running' AND r.worker_id = $2
    FOR UPDATE SKIP LOCKED
  )
  ${requeueOrFail("lost", { code: "internal", message: "The run stopped before its end could be recorded." })}`;

/**
 * Ends running run $1 without projecting its thread's mirror (that failed): its outcome, and the
 * thread no longer busy unless runs wait in its queue. Returns whether they do.
 */
export const END_RUN_UNRECORDED = `
  WITH ended AS (
    UPDATE runs SET status = $2, input_tokens = $3, output_tokens = $4, total_tokens = $5, ttft_ms = $6,
                    latency_ms = $7, error = $8, ended_at = now(), updated_at = now()
    WHERE run_id = $1 AND status = 'running'
    RETURNING thread_id
  ), waiting AS (
    SELECT EXISTS (SELECT 1 FROM runs WHERE thread_id = (SELECT thread_id FROM ended) AND status = 'pending') AS pending
  ), thread AS (
    UPDATE threads SET status = CASE WHEN (SELECT pending FROM waiting) THEN 'busy' ELSE 'error' END, updated_at = now()
    WHERE thread_id = (SELECT thread_id FROM ended)
  )
  SELECT (SELECT pending FROM waiting) AS pending`;


export const SELECT_RUN = `SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = $1`;

export const LIST_THREAD_RUNS = `
  SELECT ${RUN_COLUMNS} FROM runs
  WHERE thread_id = $1 AND ($4::text IS NULL OR status = $4)
  ORDER BY created_at DESC, run_id DESC LIMIT $2 OFFSET $3`;

/** The thread's runs that are not over: the running one and those queued, oldest first. */
export const SELECT_INFLIGHT_RUNS = `
  SELECT run_id, status FROM runs WHERE thread_id = $1 AND status IN ('pending', 'running') ORDER BY created_at, run_id`;

/**
 * The owner's runs with one of the statuses $3 (pending, running), on any of their threads whose
 * metadata contains $4 (what an auth handler allows; null: any).
 */
export const SELECT_OWNER_RUNS_BY_STATUS = `
  SELECT r.run_id, r.thread_id FROM runs r JOIN threads t USING (thread_id)
  WHERE t.tenant_id = $1 AND t.user_id = $2 AND r.status = ANY($3::text[]) AND ($4::jsonb IS NULL OR t.metadata @> $4::jsonb)`;

/** Deletes a run that is not running (a pending one leaves the queue). */
export const DELETE_RUN = `
  DELETE FROM runs WHERE run_id = $1 AND thread_id = $2 AND status <> 'running' RETURNING run_id`;
