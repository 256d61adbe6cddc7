-- An index for conjunctions whose fields are each common but rare
-- together (issue 17, wt-D; sqlite migration 0026 has it and a second).
--
-- failed_checkins_no_coworker holds the records without a coworker
-- (29,940 of the 1M bench records), with the fields searches combine
-- with that null test: a location, a Source, the tariff and the MAC
-- addresses, so a count of "no coworker" and a Source list, a tariff or
-- a MAC substring reads its entries (an index-only scan: coworker_id is
-- only tested by the index's own predicate) instead of each record
-- (SQLite's r086: 0 matches, 213 ms of CPU per request). A check-in with
-- a coworker only evaluates the predicate.
--
-- SQLite's second index, failed_checkins_source_tariff (a Source and a
-- tariff together, which its plans seek for r092), is not built here: a
-- tariff substring is a LIKE on PostgreSQL, which that index cannot seek,
-- the planner preferred a location's index in the branch's runs, and it
-- would cost every insert and erasure an entry (review of wt-D). A pair no
-- record has is still answered from fc_count_source_tariff without a read.
CREATE INDEX IF NOT EXISTS failed_checkins_no_coworker ON failed_checkins
    (business_id, source, tariff_fold, mac_addresses_fold) WHERE coworker_id IS NULL;
