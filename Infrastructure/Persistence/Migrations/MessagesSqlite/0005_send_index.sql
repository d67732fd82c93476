-- A send's key (room, sender, tempId): the embedded sequencer keeps a send's record in memory only until shortly after
-- it is SAVED, and answers an older retry from here (docs/api.md §8). Server-made messages have no tempId and stay out.
CREATE INDEX ix_messages_send ON messages (room_id, sender_id, temp_id) WHERE temp_id IS NOT NULL;
