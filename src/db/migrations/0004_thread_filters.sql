-- Thread list filters and the bulk export.

-- `GET /api/threads?metadata={...}`: containment (@>) on thread metadata. jsonb_path_ops answers
-- only @>, and is smaller and faster for it than the default operator class.
CREATE INDEX threads_metadata ON threads USING gin (metadata jsonb_path_ops);

-- The bulk export walks an owner's threads in creation order (a keyset that a thread's later
-- updates cannot disturb), not by updated_at like the list.
CREATE INDEX threads_owner_created ON threads (tenant_id, user_id, created_at, thread_id);
