-- Agent Server runs: the request a run was created with, the queue of pending runs, cancellation
-- across processes, and each run's stream events, kept so a client can rejoin a stream.

-- The Agent Server request (input, command, stream modes, config...); null for /api/chat runs.
ALTER TABLE runs ADD COLUMN kwargs jsonb;
ALTER TABLE runs ADD COLUMN user_id text;
ALTER TABLE runs ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- Set when a cancel was asked for ('interrupt' or 'rollback'); the process running the run acts on it.
ALTER TABLE runs ADD COLUMN cancel_action text CHECK (cancel_action IN ('interrupt', 'rollback'));
-- A run to be deleted with its thread when it ends (a stateless run, on_completion = delete).
ALTER TABLE runs ADD COLUMN temporary boolean NOT NULL DEFAULT false;

-- The queue: pending runs, oldest first. A run starts when its thread has no running run and no
-- older pending one, so each thread's runs go in order.
CREATE INDEX runs_pending ON runs (created_at, run_id) WHERE status = 'pending';
CREATE INDEX runs_pending_thread ON runs (thread_id, created_at) WHERE status = 'pending';

-- Stream events, in order per run; `data` is the JSON text sent, stored as sent.
CREATE TABLE run_events (
  run_id     uuid NOT NULL REFERENCES runs ON DELETE CASCADE,
  seq        integer NOT NULL,
  event      text NOT NULL,
  data       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);

-- Retention pruning walks events by age.
CREATE INDEX run_events_created ON run_events (created_at);
