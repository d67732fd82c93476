-- Friendships are stored in both directions (A→B and B→A, written and deleted together in one transaction), so the
-- friend graph's adjacency is one range scan of the primary key (an index-only scan): the recommendation walk joins
-- it once per hop.
CREATE TABLE friendships (
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    friend_id  BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, friend_id),
    CHECK (user_id <> friend_id)
);

-- Requests keep their history (ACCEPTED, REJECTED, CANCELLED); only PENDING ones take part in the rules.
CREATE TABLE friend_requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    from_user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    to_user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status       TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    responded_at BIGINT NULL,
    CHECK (from_user_id <> to_user_id),
    CHECK (status IN ('PENDING', 'ACCEPTED', 'REJECTED', 'CANCELLED'))
);
-- At most one pending request per unordered pair: a second one in the same direction is a conflict, and one in the
-- opposite direction accepts the first instead, so the pair never holds two.
CREATE UNIQUE INDEX ux_friend_requests_pending_pair
    ON friend_requests (LEAST(from_user_id, to_user_id), GREATEST(from_user_id, to_user_id)) WHERE status = 'PENDING';
CREATE INDEX ix_friend_requests_pending_from ON friend_requests (from_user_id) WHERE status = 'PENDING';
CREATE INDEX ix_friend_requests_pending_to ON friend_requests (to_user_id) WHERE status = 'PENDING';
