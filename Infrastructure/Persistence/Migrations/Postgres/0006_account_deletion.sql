-- Account deletion (issue 14). token_generation is carried by every access token ("gen" claim) and checked on each
-- authentication: raising it refuses every token issued before, on every instance at once. A deleted account keeps its
-- row (messages keep their sender id) with deleted_at set and its username and friend code replaced, so both are free.
ALTER TABLE users ADD COLUMN token_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN deleted_at BIGINT NULL;

-- When a participant's read position last moved: the readers list (GET /messages/{id}/readers) shows it as readAt.
ALTER TABLE room_participants ADD COLUMN last_read_at BIGINT NULL;
