-- Threads, their mirrored messages and the runs that produced them.
-- LangGraph's checkpoint tables live in their own schema and are never touched here.

CREATE TABLE threads (
  thread_id          uuid PRIMARY KEY,
  tenant_id          text NOT NULL,
  user_id            text NOT NULL,
  graph_id           text NOT NULL,
  assistant_id       text NOT NULL,
  title              text,
  metadata           jsonb NOT NULL DEFAULT '{}',
  status             text NOT NULL DEFAULT 'idle'
                     CHECK (status IN ('idle', 'busy', 'interrupted', 'error')),
  head_checkpoint_id text,
  message_count      integer NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX threads_owner_recent ON threads (tenant_id, user_id, updated_at DESC, thread_id DESC);

CREATE TABLE messages (
  thread_id      uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
  message_id     text NOT NULL,
  role           text NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
  content        text NOT NULL DEFAULT '',
  parts          jsonb,
  tool_call_id   text,
  name           text,
  metadata       jsonb NOT NULL DEFAULT '{}',
  input_tokens   integer,
  output_tokens  integer,
  total_tokens   integer,
  latency_ms     integer,
  ttft_ms        integer,
  model          text,
  status         text NOT NULL DEFAULT 'complete' CHECK (status IN ('complete', 'partial', 'error')),
  parent_id      text,
  checkpoint_id  text,
  position       integer NOT NULL,
  on_head_branch boolean NOT NULL DEFAULT true,
  created_at     timestamptz NOT NULL DEFAULT now(),
  search         tsvector GENERATED ALWAYS AS (to_tsvector('simple', content)) STORED,
  PRIMARY KEY (thread_id, message_id)
);

CREATE INDEX messages_head_branch ON messages (thread_id, position) WHERE on_head_branch;
CREATE INDEX messages_search ON messages USING gin (search);

CREATE TABLE runs (
  run_id             uuid PRIMARY KEY,
  thread_id          uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
  tenant_id          text NOT NULL,
  graph_id           text NOT NULL,
  assistant_id       text NOT NULL,
  status             text NOT NULL
                     CHECK (status IN ('pending', 'running', 'success', 'error', 'interrupted', 'timeout')),
  multitask_strategy text NOT NULL DEFAULT 'reject',
  -- The process running it holds an advisory lock on this key while it lives.
  worker_id          integer,
  attempt            integer NOT NULL DEFAULT 1,
  input_tokens       integer NOT NULL DEFAULT 0,
  output_tokens      integer NOT NULL DEFAULT 0,
  total_tokens       integer NOT NULL DEFAULT 0,
  ttft_ms            integer,
  latency_ms         integer,
  error              jsonb,
  metadata           jsonb NOT NULL DEFAULT '{}',
  created_at         timestamptz NOT NULL DEFAULT now(),
  started_at         timestamptz,
  ended_at           timestamptz
);

-- The per-thread run slot: one running run per thread, enforced by the database across replicas.
CREATE UNIQUE INDEX runs_one_running_per_thread ON runs (thread_id) WHERE status = 'running';
CREATE INDEX runs_thread_recent ON runs (thread_id, created_at DESC);
