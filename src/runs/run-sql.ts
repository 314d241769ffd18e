import { WORKER_LOCK_CLASS } from "./worker-lease.js";

/**
 * Takes the thread's run slot in one statement, creating the thread first when $10 says it is new,
 * and only if the thread has status $12 when that is given. Returns the new run's id, or null and
 * the id of the run that holds the slot (null too when the status did not match).
 */
export const CLAIM_RUN = `
  WITH new_thread AS (
    INSERT INTO threads (thread_id, tenant_id, user_id, graph_id, assistant_id, metadata, status)
    SELECT $2, $3, $8, $4, $5, $9, 'busy' WHERE $10::boolean
    RETURNING thread_id
  ), run AS (
    INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, assistant_version, status, multitask_strategy, worker_id, metadata, started_at)
    SELECT $1, $2, $3, $4, $5, $11, 'running', 'reject', $6, $7, now()
    -- A resume ($12 = 'interrupted') claims only a thread still waiting: checked here, not before.
    WHERE $12::text IS NULL OR EXISTS (SELECT 1 FROM threads WHERE thread_id = $2 AND status = $12::text)
    ON CONFLICT (thread_id) WHERE status = 'running' DO NOTHING
    RETURNING run_id
  ), busy AS (
    UPDATE threads SET status = 'busy', updated_at = now()
    WHERE thread_id = $2 AND NOT $10::boolean AND EXISTS (SELECT 1 FROM run)
    RETURNING 1
  )
  SELECT (SELECT run_id FROM run) AS run_id,
         (SELECT run_id FROM runs WHERE thread_id = $2 AND status = 'running') AS running_run_id,
         (SELECT count(*) FROM new_thread) + (SELECT count(*) FROM busy) AS touched`;

/** Gives back a slot taken by a run that will not start: the run goes, the thread is as it was. */
export const UNCLAIM_RUN = `
  WITH gone AS (DELETE FROM runs WHERE run_id = $1)
  UPDATE threads SET status = $3 WHERE thread_id = $2`;

export const FINISH_RUN = `
  UPDATE runs SET status = $2, input_tokens = $3, output_tokens = $4, total_tokens = $5, ttft_ms = $6,
                  latency_ms = $7, error = $8, ended_at = now()
  WHERE run_id = $1`;

/** Runs whose worker no longer holds its lease (its process died): marked failed, slots freed. */
export const REAP_ORPHANED_RUNS = `
  UPDATE runs r SET status = 'error', ended_at = now(),
    error = '{"code": "worker_lost", "message": "The process running this run stopped before it finished."}'
  WHERE r.status = 'running' AND NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ${WORKER_LOCK_CLASS} AND l.objid = r.worker_id::oid)
  RETURNING r.run_id, r.thread_id`;

export const SELECT_RUN = `
  SELECT run_id, thread_id, tenant_id, graph_id, assistant_id, assistant_version, status, worker_id, input_tokens, output_tokens,
         total_tokens, ttft_ms, latency_ms, error, metadata, created_at, started_at, ended_at
  FROM runs WHERE run_id = $1`;
