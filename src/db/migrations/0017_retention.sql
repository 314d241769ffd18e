-- Retention (opt-in): what the sweeps removed, and how far each sweep has got.

-- The checkpoint ids one pass took from one thread, so that addressing one of them answers 410 Gone
-- (pruned) instead of 404 (never existed). One row a pass, not a row a checkpoint: a thread is
-- pruned a few times, each time of dozens of ids, and an array of them is a fraction of the bytes.
-- Deleted with the thread.
CREATE TABLE pruned_checkpoints (
  thread_id      uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
  checkpoint_ids text[] NOT NULL,
  -- 'prune': intermediate steps of old runs; 'ttl': checkpointer.ttl's keep_latest.
  reason         text NOT NULL CHECK (reason IN ('prune', 'ttl')),
  pruned_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX pruned_checkpoints_thread ON pruned_checkpoints (thread_id);

-- One row per sweep ('ttl', 'prune'): the keyset position (threads.updated_at, thread_id) it has
-- handled up to. A pass locks its row (FOR UPDATE SKIP LOCKED), so replicas never run the same
-- sweep at once, and a pass with nothing past its position reads one index entry.
CREATE TABLE retention_sweeps (
  name       text PRIMARY KEY,
  cursor_at  timestamptz NOT NULL,
  cursor_id  uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000',
  swept_at   timestamptz
);

-- Both sweeps walk threads by when they last changed.
CREATE INDEX threads_updated ON threads (updated_at, thread_id);
