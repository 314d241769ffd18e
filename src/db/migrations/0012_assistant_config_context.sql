-- An assistant's config is now LangGraph's config as the Agent Server keeps it (`configurable`,
-- `tags`, `recursion_limit`, any other key), whatever graph it is for; until now it held the chat
-- graph's settings, which were its `configurable`. `context` (LangGraph's runtime context) is kept
-- beside it. Each version keeps all of what it was: config, context, description and metadata.
ALTER TABLE assistants ADD COLUMN context jsonb NOT NULL DEFAULT '{}';
UPDATE assistants SET config = jsonb_build_object('configurable', config) WHERE config <> '{}';

ALTER TABLE assistant_versions
  ADD COLUMN context     jsonb NOT NULL DEFAULT '{}',
  ADD COLUMN description text,
  ADD COLUMN metadata    jsonb NOT NULL DEFAULT '{}';
UPDATE assistant_versions SET config = jsonb_build_object('configurable', config) WHERE config <> '{}';
-- Versions written before this kept no description or metadata: the assistant's current ones are
-- the best known.
UPDATE assistant_versions v SET description = a.description, metadata = a.metadata
FROM assistants a WHERE a.tenant_id = v.tenant_id AND a.assistant_id = v.assistant_id;
