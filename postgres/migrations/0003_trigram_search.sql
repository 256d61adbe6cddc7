-- Substring filters (FailedCheckin_Coworker_FullName=smith, q2 and q3 of
-- bench/README.md) are LIKE '%needle%' on the folded copies. Without an
-- index the exact total of such a search reads every row; a trigram GIN
-- index finds the matching rows directly for needles of 3+ characters.
-- pg_trgm ships with PostgreSQL (contrib) and is a trusted extension, so a
-- database owner may create it without being superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX failed_checkins_coworker_full_name_trgm ON failed_checkins USING gin (coworker_full_name_fold gin_trgm_ops);
CREATE INDEX failed_checkins_description_trgm ON failed_checkins USING gin (description_fold gin_trgm_ops);
