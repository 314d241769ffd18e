-- Which of the tenant's model providers (migration 0018) answered each assistant message; null for
-- the environment's model server, and for messages older than this. Not a foreign key: a provider
-- may be deleted, and the conversation still says it answered.
ALTER TABLE messages ADD COLUMN provider_id uuid;
