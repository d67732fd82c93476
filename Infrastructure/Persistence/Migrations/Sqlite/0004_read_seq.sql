-- A participant's read position also as the seq of the message read, so the unread ledger can count what follows it
-- (a room's seqs are dense) without asking the message store. Moved forward together with last_read_message_id.
ALTER TABLE room_participants ADD COLUMN last_read_seq INTEGER NOT NULL DEFAULT 0;
