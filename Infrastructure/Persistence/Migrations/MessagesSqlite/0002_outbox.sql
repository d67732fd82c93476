-- The embedded persistence pipeline (OutboxPersistencePipeline): a message is handed over (SENT_TO_KAFKA) once its
-- outbox row is committed; OutboxPersistenceWorker stores it and deletes the row. It lives in messages.db, next to the
-- messages, so a crash between the store's write and the delete only repeats an idempotent write.

-- AUTOINCREMENT: positions are never reused after the drain deletes rows, so insertion order is position order.
CREATE TABLE outbox (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id  TEXT    NOT NULL,
    room_id     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    enqueued_at INTEGER NOT NULL
);

-- Records given up on (unreadable, or refused by the store after the retries), kept for an operator to inspect or replay.
CREATE TABLE outbox_dead (
    position    INTEGER PRIMARY KEY,
    message_id  TEXT    NOT NULL,
    room_id     INTEGER NOT NULL,
    payload     TEXT    NOT NULL,
    enqueued_at INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    failed_at   INTEGER NOT NULL
);
