import { WORKER_LOCK_CLASS } from "./worker-lease.js";

/** Takes the thread's run slot; returns no row when another run holds it. */
export const CLAIM_RUN = `
  INSERT INTO runs (run_id, thread_id, tenant_id, graph_id, assistant_id, status, multitask_strategy, worker_id, metadata, started_at)
  VALUES ($1, $2, $3, $4, $5, 'running', 'reject', $6, $7, now())
  ON CONFLICT (thread_id) WHERE status = 'running' DO NOTHING
  RETURNING run_id`;

export const SELECT_RUNNING_RUN = `SELECT run_id FROM runs WHERE thread_id = $1 AND status = 'running'`;

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
  SELECT run_id, thread_id, tenant_id, graph_id, assistant_id, status, worker_id, input_tokens, output_tokens,
         total_tokens, ttft_ms, latency_ms, error, metadata, created_at, started_at, ended_at
  FROM runs WHERE run_id = $1`;
