-- Chat rooms (contract §4). Times are Unix milliseconds, as in 0001.
-- individual_key is "lowId:highId" for INDIVIDUAL rooms and NULL for GROUP rooms: its unique index is what makes
-- creating the INDIVIDUAL room of a pair idempotent, even for simultaneous requests from both sides.
-- last_message_* and last_active_at are written by the messaging work (last_active_at starts at created_at).
CREATE TABLE rooms (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    type                   TEXT    NOT NULL CHECK (type IN ('INDIVIDUAL', 'GROUP')),
    title                  TEXT    NULL,
    announcement           TEXT    NULL,
    individual_key         TEXT    NULL,
    created_by             BIGINT  NOT NULL,
    last_message_id        TEXT    NULL,
    last_message_text      TEXT    NULL,
    last_message_sender_id BIGINT  NULL,
    last_message_at        BIGINT  NULL,
    last_active_at         BIGINT  NOT NULL,
    created_at             BIGINT  NOT NULL,
    updated_at             BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ux_rooms_individual_key ON rooms (individual_key) WHERE individual_key IS NOT NULL;

-- id orders participants by when they joined: "longest-standing" for the owner hand-over is the lowest id.
-- last_read_message_id is the read pointer the messaging work maintains.
CREATE TABLE room_participants (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id              INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id              BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role                 TEXT    NOT NULL CHECK (role IN ('OWNER', 'ADMIN', 'MEMBER')),
    joined_at            BIGINT  NOT NULL,
    last_read_message_id TEXT    NULL
);
CREATE UNIQUE INDEX ux_room_participants_room_user ON room_participants (room_id, user_id);
CREATE INDEX ix_room_participants_user ON room_participants (user_id);

CREATE TABLE room_notices (
    room_id    BIGINT  PRIMARY KEY REFERENCES rooms (id) ON DELETE CASCADE,
    text       TEXT    NOT NULL,
    updated_by BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE room_favorites (
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id    BIGINT  NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, room_id)
);
CREATE INDEX ix_room_favorites_room ON room_favorites (room_id);
