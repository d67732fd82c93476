-- Pins (contract §5, at most 3 per room): a room's pinned messages, most recently pinned first. Partial, so it holds only
-- the few pinned rows; it serves both the pins list and the count that the pin statement checks against the limit.
CREATE INDEX ix_messages_room_pinned ON messages (room_id, pinned_at DESC, id DESC) WHERE is_pinned = 1;
