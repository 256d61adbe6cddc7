-- Two indexes for conjunctions whose fields are each common but rare
-- together (issue 17, wt-D).
--
-- failed_checkins_no_coworker holds the records without a coworker
-- (29,940 of the 1M bench records), with the fields searches combine
-- with that null test: a location, a Source, the tariff and the MAC
-- addresses. A count of "no coworker" and a Source list, a tariff
-- substring or a MAC substring tests them on its entries alone
-- (covering) instead of looking up each record's row: r086 (two Sources,
-- no coworker, a tariff substring: 0 matches) read all 29,940 rows,
-- 213 ms of CPU per request; a location's share is one seek (r122).
-- coworker_id leads so that SQLite's own plan (no statistics) prefers it
-- to failed_checkins_coworker_business_time for "coworker_id IS NULL";
-- it is NULL in every entry. A check-in with a coworker only evaluates
-- the WHERE clause.
--
-- failed_checkins_source_tariff is a Source and a tariff together, the
-- pair fc_count_source_tariff counts: a search of both (r092: Source
-- None and a tariff substring, 313 records at 1M of the 9,967 with that
-- Source and 31,102 with those tariffs) walks exactly the records of
-- the pair (sqlstore/selective.go's pair seed).
--
-- The same index also holds the folded name, teams and description (wt-C):
-- ascending by CoworkerId the records without a coworker sort first, so a
-- page walked failed_checkins_coworker through all of them before the
-- first record with a coworker, reading each to test the search's
-- conditions (r131, a description substring, and r180, a name substring:
-- 140-150 ms of CPU a request for the first page). One walk of these
-- entries, without a record, tells whether any of them passes the
-- conditions on these fields (sqlstore/nocoworker.go); when none does the
-- page seeks the first coworker instead.
CREATE INDEX IF NOT EXISTS failed_checkins_no_coworker ON failed_checkins
    (coworker_id, business_id, source, tariff_fold, mac_addresses_fold,
     coworker_full_name_fold, teams_fold, description_fold) WHERE coworker_id IS NULL;
CREATE INDEX IF NOT EXISTS failed_checkins_source_tariff ON failed_checkins (source, tariff_fold);
