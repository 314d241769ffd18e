-- History lists each checkpoint with the messages it added: messages by the checkpoint they first appeared in.
CREATE INDEX messages_first_checkpoint ON messages (thread_id, checkpoint_id);
