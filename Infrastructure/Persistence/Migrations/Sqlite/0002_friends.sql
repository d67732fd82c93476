-- Friendships are stored in both directions (A→B and B→A, written and deleted together in one transaction), so the
-- friend graph's adjacency is one range scan of the primary key: the recommendation walk joins it once per hop.
-- WITHOUT ROWID keeps the rows clustered by (user_id, friend_id), which is exactly that scan.
CREATE TABLE friendships (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id  INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    CHECK (user_id <> friend_id)
) WITHOUT ROWID;

-- Requests keep their history (ACCEPTED, REJECTED, CANCELLED); only PENDING ones take part in the rules.
CREATE TABLE friend_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    from_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    responded_at BIGINT  NULL,
    CHECK (from_user_id <> to_user_id),
    CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'CANCELLED'))
);
-- At most one pending request per unordered pair: a second one in the same direction is a conflict, and one in the
-- opposite direction accepts the first instead, so the pair never holds two.
CREATE UNIQUE INDEX ux_friend_requests_pending_pair
    ON friend_requests (min(from_user_id, to_user_id), max(from_user_id, to_user_id)) WHERE status = 'PENDING';
CREATE INDEX ix_friend_requests_pending_from ON friend_requests (from_user_id) WHERE status = 'PENDING';
CREATE INDEX ix_friend_requests_pending_to ON friend_requests (to_user_id) WHERE status = 'PENDING';
