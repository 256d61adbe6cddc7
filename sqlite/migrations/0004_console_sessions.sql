-- Console sign-ins (package console). Only the SHA-256 hash of the cookie's
-- random token is kept. Times are Unix milliseconds, like the API tokens'.
CREATE TABLE console_sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_on INTEGER NOT NULL,
    expires_on INTEGER NOT NULL
) STRICT;

-- The sweep of expired sessions on every sign-in.
CREATE INDEX console_sessions_expires ON console_sessions (expires_on);
