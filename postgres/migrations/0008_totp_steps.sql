-- The last two-factor time step each user signed in with, so that a TOTP
-- code accepted once is refused if it is sent again (RFC 6238 section 5.2).
CREATE TABLE totp_steps (
    user_id   BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_step BIGINT NOT NULL
);
