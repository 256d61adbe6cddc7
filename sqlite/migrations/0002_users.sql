-- Users, tokens and failed sign-in counters (API.md section 5).
-- Times here are INTEGER Unix milliseconds: token expiry and sign-in
-- throttling need better than whole seconds.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL,
    email_fold    TEXT    NOT NULL UNIQUE, -- failedcheckins.Fold(email): emails are unique case-insensitively
    password_hash TEXT    NOT NULL,        -- argon2id, PHC string form
    admin         INTEGER NOT NULL CHECK (admin IN (0, 1)),
    roles         TEXT    NOT NULL,        -- JSON array of role names
    businesses    TEXT    NOT NULL,        -- JSON array of location ids
    totp_secret   TEXT    NOT NULL,        -- '' when two-factor sign-in is off
    enabled       INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    created_on    INTEGER NOT NULL
) STRICT;

-- Tokens are stored only as SHA-256 hashes (hex) of 256-bit random values.
CREATE TABLE access_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT    NOT NULL,
    expires_on INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX access_tokens_user ON access_tokens (user_id);
CREATE INDEX access_tokens_expires ON access_tokens (expires_on);

-- One live refresh token per user and client id.
CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    client_id  TEXT    NOT NULL,
    expires_on INTEGER NOT NULL,
    UNIQUE (user_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX refresh_tokens_expires ON refresh_tokens (expires_on);

-- Failed sign-ins per key ("account:<folded email>" or "address:<ip>"),
-- shared by every server on this database.
CREATE TABLE login_failures (
    key          TEXT    PRIMARY KEY,
    failures     INTEGER NOT NULL,
    last_failure INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
