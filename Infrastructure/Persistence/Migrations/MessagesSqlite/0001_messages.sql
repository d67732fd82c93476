-- messages.db: the embedded message store, in its own file so message writes never wait for the relational write
-- lock (and so it also serves when PostgreSQL holds users but MongoDB is not configured). Later scripts of this set
-- (0002 …) add the embedded persistence queue beside it.
-- Times are Unix milliseconds; url_preview, forwarded_from, reactions and mentions are JSON text (camelCase).
CREATE TABLE messages (
    id                  TEXT    PRIMARY KEY,  -- 24 lowercase hex (ObjectId layout): sorts by creation time as text
    room_id             INTEGER NOT NULL,
    seq                 INTEGER NOT NULL,
    sender_id           INTEGER NOT NULL,
    temp_id             TEXT    NULL,
    text                TEXT    NOT NULL,
    type                TEXT    NOT NULL,
    is_edited           INTEGER NOT NULL DEFAULT 0,
    is_deleted          INTEGER NOT NULL DEFAULT 0,
    url_preview         TEXT    NULL,
    thread_id           TEXT    NULL,
    reply_to_message_id TEXT    NULL,
    forwarded_from      TEXT    NULL,
    reactions           TEXT    NOT NULL DEFAULT '{}',
    mentions            TEXT    NOT NULL DEFAULT '[]',
    is_pinned           INTEGER NOT NULL DEFAULT 0,
    pinned_by           INTEGER NULL,
    pinned_at           INTEGER NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE UNIQUE INDEX ux_messages_room_seq ON messages (room_id, seq);
CREATE INDEX ix_messages_room_id ON messages (room_id, id);
CREATE INDEX ix_messages_thread_id ON messages (thread_id, id);
