-- Webhooks: an Agent Server run created with `webhook` (kept in its kwargs) is POSTed there when it
-- ends. The delivery is recorded by a trigger, in the transaction that records the end, whichever
-- way the run ends (its own process, upkeep reaping a dead process's run, a cancel of a queued
-- run): a run never ends without its delivery recorded, and a process that dies before sending it
-- leaves it to another (at least once). A run rolled back is deleted, not ended, and sends none.

CREATE TABLE webhook_deliveries (
  -- No foreign key: a stateless run is deleted with its thread as it ends, and its webhook still goes.
  run_id          uuid PRIMARY KEY,
  tenant_id       text NOT NULL,
  url             text NOT NULL,
  -- The run's row as it ended, and the UUID its owner knows the thread by.
  run             jsonb NOT NULL,
  shown_thread_id uuid NOT NULL,
  -- The run's final values as the API writes them, set by the process that ran it; SQL null until
  -- then (a run whose process died is sent with its thread's values as they are when it is sent).
  final_values    jsonb,
  -- Attempts started; each outcome is written only by the attempt that started last (the fence).
  attempts        integer NOT NULL DEFAULT 0,
  -- When it may next be tried; during an attempt, when that attempt is taken for lost.
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  delivered_at    timestamptz,
  failed_at       timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now()
);

-- The deliveries to make, soonest first.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
-- Pruning finished ones by age.
CREATE INDEX webhook_deliveries_finished ON webhook_deliveries ((COALESCE(delivered_at, failed_at))) WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL;

CREATE FUNCTION record_webhook_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_deliveries (run_id, tenant_id, url, run, shown_thread_id, next_attempt_at)
  VALUES (
    NEW.run_id, NEW.tenant_id, NEW.kwargs ->> 'webhook', to_jsonb(NEW),
    COALESCE((SELECT COALESCE(known_as, thread_id) FROM threads WHERE thread_id = NEW.thread_id), NEW.thread_id),
    -- The process that ran it sends it at once, with its final values; another takes it only if
    -- that one has not within 10 seconds (it died). A queued run cancelled is anyone's at once.
    now() + CASE WHEN OLD.status = 'running' THEN interval '10 seconds' ELSE interval '0' END
  )
  ON CONFLICT (run_id) DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER runs_webhook_delivery AFTER UPDATE OF status ON runs FOR EACH ROW
  WHEN (OLD.status IN ('pending', 'running') AND NEW.status NOT IN ('pending', 'running') AND NEW.kwargs ? 'webhook')
  EXECUTE FUNCTION record_webhook_delivery();
