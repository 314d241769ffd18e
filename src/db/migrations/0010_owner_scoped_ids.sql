-- An assistant id names an assistant within its tenant: two tenants may each have an assistant with
-- the same id. Before, the id was unique across tenants, so a client creating an assistant under an
-- id another tenant used got a 409 and learnt that the id existed (issue 9, item 10).

-- Versions carry the tenant, so that they belong to one tenant's assistant.
ALTER TABLE assistant_versions ADD COLUMN tenant_id text;
UPDATE assistant_versions v SET tenant_id = a.tenant_id FROM assistants a WHERE a.assistant_id = v.assistant_id;
ALTER TABLE assistant_versions ALTER COLUMN tenant_id SET NOT NULL;

ALTER TABLE assistant_versions DROP CONSTRAINT assistant_versions_assistant_id_fkey;
ALTER TABLE assistant_versions DROP CONSTRAINT assistant_versions_pkey;
ALTER TABLE assistants DROP CONSTRAINT assistants_pkey;

ALTER TABLE assistants ADD PRIMARY KEY (tenant_id, assistant_id);
ALTER TABLE assistant_versions ADD PRIMARY KEY (tenant_id, assistant_id, version);
ALTER TABLE assistant_versions ADD FOREIGN KEY (tenant_id, assistant_id) REFERENCES assistants ON DELETE CASCADE;

-- A thread id is one key for everyone (the checkpoints are keyed by it). A thread created through
-- the Agent Server API under a UUID another owner's thread already has is stored under a fresh UUID
-- and known to its owner by the one asked for: `known_as` is that UUID, shown and accepted in place
-- of `thread_id` everywhere, and its key is never shown. Null for every other thread.
ALTER TABLE threads ADD COLUMN known_as uuid;
-- The UUID an owner knows a thread by names one thread of theirs: two creates of the same id at once
-- cannot leave them two. Also the lookup by that UUID.
CREATE UNIQUE INDEX threads_owner_uuid ON threads (tenant_id, user_id, (COALESCE(known_as, thread_id)));
