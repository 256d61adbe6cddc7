-- Every sort field seeks (issue 17): a search ordered by a field that had
-- no index sorted every matching record for any page, the first included
-- (0.14-2.4 s at 1M records). The search orders by the folded copy of a
-- text field (a raw column otherwise), then by id in the same direction
-- (sqlstore.orderBy), and every SQLite index entry ends with the rowid,
-- id: an index on the sort column alone is in (column, id) order, walked
-- forward for ascending and backward for descending, and NULL, which
-- SQLite sorts first, is where the search wants it (first ascending, last
-- descending). The folded copies are '' for NULL, so UpdatedBy, SystemId
-- and Reason need no NULL rule at all.
--
-- The cost is one more index entry per index on every insert (check-in
-- throughput keeps its ratio to the one-commit-per-attempt floor:
-- docs/benchmarks.md, "indexes for every sort field"). The fields of most
-- records at one value (Source, Reason, UpdatedBy, SystemId, the resolution
-- columns) append at the right edge of that value's run, as id grows.
-- A first import into an empty table builds these with the others after
-- its last row (sqlite/bulk.go, dropIndexesIfEmpty).
CREATE INDEX failed_checkins_business_name_order ON failed_checkins (business_name_fold);
CREATE INDEX failed_checkins_source ON failed_checkins (source);
CREATE INDEX failed_checkins_mac_addresses ON failed_checkins (mac_addresses_fold);
CREATE INDEX failed_checkins_teams ON failed_checkins (teams_fold);
CREATE INDEX failed_checkins_tariff ON failed_checkins (tariff_fold);
CREATE INDEX failed_checkins_description ON failed_checkins (description_fold);
CREATE INDEX failed_checkins_updated ON failed_checkins (updated_on);
CREATE INDEX failed_checkins_updated_by ON failed_checkins (updated_by_fold);
CREATE INDEX failed_checkins_system_id ON failed_checkins (system_id_fold);
CREATE INDEX failed_checkins_reason ON failed_checkins (reason_fold);
CREATE INDEX failed_checkins_resolved_by ON failed_checkins (resolved_by_checkin_id);
CREATE INDEX failed_checkins_resolved_on ON failed_checkins (resolved_on);
