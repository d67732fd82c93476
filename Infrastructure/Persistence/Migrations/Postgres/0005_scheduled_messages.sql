-- Scheduled messages (contract §5). Times are Unix milliseconds, as in 0001.
-- anchor_at is the scheduledAt the user set; occurrence counts the firings since, so a recurring schedule's next time
-- is computed from the anchor (a monthly schedule on the 31st comes back to the 31st after a short month).
-- version changes with every firing, update and cancel: a Hangfire job carries (id, version), and a job whose version
-- is no longer the row's does nothing. job_id is the pending Hangfire job, deleted when the schedule changes.
-- room_id has no foreign key: a schedule whose room is gone fails when it fires.
CREATE TABLE scheduled_messages (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    room_id       BIGINT  NOT NULL,
    text          TEXT    NOT NULL,
    recurrence    TEXT    NOT NULL CHECK (recurrence IN ('NONE', 'DAILY', 'WEEKLY', 'MONTHLY')),
    status        TEXT    NOT NULL CHECK (status IN ('PENDING', 'SENT', 'CANCELLED', 'FAILED')),
    anchor_at     BIGINT  NOT NULL,
    occurrence    BIGINT  NOT NULL DEFAULT 0,
    scheduled_at  BIGINT  NOT NULL,
    version       BIGINT  NOT NULL DEFAULT 0,
    job_id        TEXT    NULL,
    last_sent_at  BIGINT  NULL,
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);
CREATE INDEX ix_scheduled_messages_user ON scheduled_messages (user_id, status);
