-- Console sign-ins (package console). Only the SHA-256 hash (hex) of the
-- cookie's random token is kept. Times are whole milliseconds, like the
-- API tokens'. Mirrors sqlite migration 0004.
CREATE TABLE console_sessions (
    token_hash text        COLLATE "C" PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_on timestamptz NOT NULL,
    expires_on timestamptz NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);

-- The sweep of expired sessions on every sign-in.
CREATE INDEX console_sessions_expires ON console_sessions (expires_on);
