-- Masked users (PRIVACY.md section 4, docs/api.md#masked-users): a user
-- with mask_personal_data = 1 sees CoworkerFullName, MacAddresses and
-- TeamsAtTheTimeOfCheckin masked on every channel and may not filter or
-- sort by them (failedcheckins.Caller.Restrict). Every existing user sees
-- everything, as before. Adding a column with a constant default rewrites
-- nothing.
ALTER TABLE users ADD COLUMN mask_personal_data INTEGER NOT NULL DEFAULT 0 CHECK (mask_personal_data IN (0, 1));
