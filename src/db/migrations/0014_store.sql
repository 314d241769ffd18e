-- The store: LangGraph's long-term memory (`config.store` in graphs, and the Agent Server's /store
-- routes), kept per tenant. The tenant is a column, never part of the namespace, so no namespace one
-- tenant can name (nor a prefix of one) reaches another's items; a namespace is an array of labels
-- compared label by label, so ["a"] is no prefix of ["ab"] and a label may hold any character.
CREATE TABLE store_items (
  tenant_id  text NOT NULL,
  namespace  text[] NOT NULL,
  key        text NOT NULL,
  value      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, namespace, key)
);

-- Embeddings of an item's indexed fields (store.index in langgraph.json), one per field. Plain
-- arrays, so this table exists whether or not the server has pgvector; searching them needs it
-- (they are cast to its `vector` type at query time).
CREATE TABLE store_vectors (
  tenant_id text NOT NULL,
  namespace text[] NOT NULL,
  key       text NOT NULL,
  field     text NOT NULL,
  embedding real[] NOT NULL,
  PRIMARY KEY (tenant_id, namespace, key, field),
  FOREIGN KEY (tenant_id, namespace, key) REFERENCES store_items ON DELETE CASCADE
);

-- Until now graphs had LangGraph's PostgresStore (langgraph.store), one space for every tenant, where
-- send_email kept its outbox under "outbox:<thread id>". Its items move here: an outbox item to its
-- thread's tenant, any other to the tenant of a service without API keys ("default"). The old table
-- is left as it was.
DO $$
BEGIN
  IF to_regclass('langgraph.store') IS NOT NULL THEN
    INSERT INTO store_items (tenant_id, namespace, key, value, created_at, updated_at)
    SELECT COALESCE(t.tenant_id, 'default'), string_to_array(s.namespace_path, ':'), s.key, s.value,
           COALESCE(s.created_at, now()), COALESCE(s.updated_at, now())
    FROM langgraph.store s
    LEFT JOIN threads t ON s.namespace_path LIKE 'outbox:%' AND t.thread_id::text = split_part(s.namespace_path, ':', 2)
    WHERE s.expires_at IS NULL OR s.expires_at > now()
    ON CONFLICT DO NOTHING;
  END IF;
END $$;
