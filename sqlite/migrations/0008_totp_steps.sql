-- The last two-factor time step each user signed in with, so that a TOTP
-- code accepted once is refused if it is sent again (RFC 6238 section 5.2).
-- One row per user who has signed in with a code; a deleted user's row
-- goes with it.
CREATE TABLE totp_steps (
    user_id   INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_step INTEGER NOT NULL
) STRICT;
