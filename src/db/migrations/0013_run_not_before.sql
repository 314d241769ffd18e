-- A run created with after_seconds waits in the queue until not_before (null: it may start at once).
-- The queue takes pending runs in the order they become due, as the Agent Server does (it dates
-- such a run's created_at in the future; ours keeps the real one).
ALTER TABLE runs ADD COLUMN not_before timestamptz;

DROP INDEX runs_pending;
CREATE INDEX runs_pending_due ON runs ((COALESCE(not_before, created_at)), run_id) WHERE status = 'pending';
