-- Two indexes for conjunctions whose fields are each common but rare
-- together (issue 17, wt-D; sqlite migration 0026 has the same two).
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
-- failed_checkins_source_tariff is a Source and a tariff together, the
-- pair fc_count_source_tariff counts (r092: Source None and a tariff
-- substring, 313 records at 1M of the 9,967 with that Source).
CREATE INDEX IF NOT EXISTS failed_checkins_no_coworker ON failed_checkins
    (business_id, source, tariff_fold, mac_addresses_fold) WHERE coworker_id IS NULL;
CREATE INDEX IF NOT EXISTS failed_checkins_source_tariff ON failed_checkins (source, tariff_fold);
