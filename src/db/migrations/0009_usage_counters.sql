-- Counters behind rate limits and quotas, in the database so every replica counts the same.
-- One row per (scope, subject) holds the count of the current fixed window; a hit in a later
-- window starts it again, so the table stays at one row per owner and tenant and needs no pruning.
--   requests: an owner's (tenant:user) requests per minute, for RATE_LIMIT_RPM
--   tokens:   a tenant's model tokens per UTC day, for TOKEN_QUOTA_PER_DAY (the trigger below)
CREATE TABLE usage_counters (
  scope        text NOT NULL,
  subject      text NOT NULL,
  window_start timestamptz NOT NULL,
  count        bigint NOT NULL,
  PRIMARY KEY (scope, subject)
);

-- A run's tokens count for its tenant's day when its usage is recorded, whichever statement records
-- it (and only the increase, so recording an end twice counts it once). Deleting the thread, and
-- with it the run, later gives nothing back.
CREATE FUNCTION usage_counters_add_run_tokens() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO usage_counters AS c (scope, subject, window_start, count)
  VALUES ('tokens', NEW.tenant_id, to_timestamp(floor(extract(epoch FROM now()) / 86400) * 86400), NEW.total_tokens - OLD.total_tokens)
  ON CONFLICT (scope, subject) DO UPDATE SET
    count = CASE WHEN excluded.window_start > c.window_start THEN excluded.count ELSE c.count + excluded.count END,
    window_start = GREATEST(c.window_start, excluded.window_start);
  RETURN NULL;
END
$$;

CREATE TRIGGER runs_add_tokens AFTER UPDATE OF total_tokens ON runs
  FOR EACH ROW WHEN (NEW.total_tokens > OLD.total_tokens) EXECUTE FUNCTION usage_counters_add_run_tokens();
