-- Worker leases with a TTL, and the claim each run executes under (a fencing token).
--
-- A process proves it is alive by renewing its row here on a connection of its own. Its runs are
-- reaped only once `expires_at` has passed: a dropped connection alone (a network blip, a killed
-- session) no longer makes its live runs look orphaned.

-- Epochs come from one sequence, so a (worker, epoch) pair is never handed out twice, even when a
-- worker's row was deleted and taken again.
CREATE SEQUENCE worker_lease_epochs;

CREATE TABLE workers (
  worker_id        integer PRIMARY KEY,
  -- The lease's current epoch: a new one each time the process takes its lease on a new connection.
  epoch            bigint NOT NULL,
  -- Runs claimed under an earlier epoch than this were given up by the process (it stopped them when
  -- it could not renew its lease); they may be reaped while the worker is alive.
  first_live_epoch bigint NOT NULL,
  expires_at       timestamptz NOT NULL,
  renewed_at       timestamptz NOT NULL DEFAULT now(),
  started_at       timestamptz NOT NULL DEFAULT now()
);

-- The epoch of the lease the run was claimed under; with worker_id, every write the run makes is
-- conditional on it. Null for runs claimed by earlier versions (advisory lock only).
ALTER TABLE runs ADD COLUMN lease_epoch bigint;
