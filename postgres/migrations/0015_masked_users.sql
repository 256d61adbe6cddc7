-- Masked users (PRIVACY.md section 4, docs/api.md#masked-users): a user
-- with mask_personal_data sees CoworkerFullName, MacAddresses and
-- TeamsAtTheTimeOfCheckin masked on every channel and may not filter or
-- sort by them (failedcheckins.Caller.Restrict). Every existing user sees
-- everything, as before. Adding a column with a constant default rewrites
-- nothing (PostgreSQL 11 and later); IF NOT EXISTS lets the migration
-- tests run it again.
ALTER TABLE users ADD COLUMN IF NOT EXISTS mask_personal_data boolean NOT NULL DEFAULT false;
