-- Stored assistants: a graph and the settings it runs with, per tenant. Every change makes a new
-- version and the old ones stay readable; each run records the version that answered it.

CREATE TABLE assistants (
  assistant_id uuid PRIMARY KEY,
  tenant_id    text NOT NULL,
  graph_id     text NOT NULL,
  name         text NOT NULL,
  description  text,
  -- The per-run settings: system_prompt, model, temperature, window_rounds, tools.
  config       jsonb NOT NULL DEFAULT '{}',
  metadata     jsonb NOT NULL DEFAULT '{}',
  version      integer NOT NULL DEFAULT 1,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Listing: a tenant's assistants, newest first, by keyset.
CREATE INDEX assistants_tenant_recent ON assistants (tenant_id, created_at DESC, assistant_id DESC);

-- What answered is what a version records; deleting the assistant deletes its versions too.
CREATE TABLE assistant_versions (
  assistant_id uuid NOT NULL REFERENCES assistants ON DELETE CASCADE,
  version      integer NOT NULL,
  graph_id     text NOT NULL,
  name         text NOT NULL,
  config       jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (assistant_id, version)
);

-- Null for runs of a graph's defaults (assistant_id is then the graph id). No foreign key: a run's
-- record outlives the assistant it names.
ALTER TABLE runs ADD COLUMN assistant_version integer;
