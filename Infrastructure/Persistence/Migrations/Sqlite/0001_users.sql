-- Times are Unix milliseconds (BIGINT) in both dialects, so the same SQL and the same row types serve both.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    username             TEXT    NOT NULL,
    username_normalized  TEXT    NOT NULL,
    nickname             TEXT    NOT NULL,
    password_hash        TEXT    NOT NULL,
    status               TEXT    NOT NULL DEFAULT 'OFFLINE',
    profile_image_url    TEXT    NULL,
    background_image_url TEXT    NULL,
    bio                  TEXT    NULL,
    user_code            TEXT    NOT NULL,
    last_seen_at         BIGINT  NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE UNIQUE INDEX ux_users_username ON users (username_normalized);
CREATE UNIQUE INDEX ux_users_user_code ON users (user_code);
CREATE INDEX ix_users_nickname ON users (nickname);

-- Refresh tokens are stored as SHA-256 hashes. A family is one login's chain of rotations: reusing a rotated
-- token (replaced_by set) means it leaked, and revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash  TEXT    PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   TEXT    NOT NULL,
    expires_at  BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    replaced_by TEXT    NULL,
    used_at     BIGINT  NULL,
    revoked_at  BIGINT  NULL
);
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);
