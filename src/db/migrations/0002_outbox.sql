-- E-mails the chat graph's send_email tool "sent" once a human approved them. Nothing leaves the
-- machine: this table is the whole delivery.

CREATE TABLE outbox (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  thread_id    uuid NOT NULL REFERENCES threads ON DELETE CASCADE,
  tenant_id    text NOT NULL,
  -- The model's tool call that asked for it: a tool node that runs again records nothing twice.
  tool_call_id text NOT NULL,
  "to"         text NOT NULL,
  subject      text NOT NULL,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  -- Also the index for reading a thread's outbox.
  UNIQUE (thread_id, tool_call_id)
);
