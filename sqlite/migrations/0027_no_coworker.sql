-- The records without a coworker (issue 17: a page ordered by CoworkerId).
-- Ascending, they sort first (null), so a page walks failed_checkins_coworker
-- through all of them before the first record with a coworker, reading
-- each to test the search's conditions: 29,940 at 1M records, none of
-- which holds a name, a team or a description other than "Unrecognised
-- device", so a substring of those matches none of them (r131, r180:
-- 140-150 ms of CPU a request for the first page). This partial index
-- holds only those records, with the fields such searches test: one walk
-- of its entries, without a record, tells whether any passes the
-- conditions on them (sqlstore/nocoworker.go), and when none does the page
-- seeks the first coworker instead. Only writes of records without a
-- coworker (3% of the bench data) touch it.
CREATE INDEX IF NOT EXISTS failed_checkins_no_coworker
    ON failed_checkins (coworker_full_name_fold, teams_fold, description_fold, tariff_fold, source)
    WHERE coworker_id IS NULL;
