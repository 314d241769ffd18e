-- Native clients may name their threads themselves (`"thread_id": "test-123"`). The name is kept
-- beside the thread's UUID, which stays its checkpoint and Agent Server id. The UUID of a named
-- thread is random, not derived from the name: a derived one could be computed by another owner,
-- who could then take it first through the Agent Server or learn from a 409 that the name is used.

ALTER TABLE threads ADD COLUMN client_thread_id text;

-- A name means one thread per owner; two owners may use the same name. Also the lookup by name.
CREATE UNIQUE INDEX threads_owner_client_id ON threads (tenant_id, user_id, client_thread_id) WHERE client_thread_id IS NOT NULL;
