-- Every sort field seeks (issue 17): a search ordered by a field that had
-- no index sorted every matching record for any page, the first included.
-- The search orders by the folded copy of a text field (a raw column
-- otherwise), then by id in the same direction, with NULLS FIRST ascending
-- and NULLS LAST descending on nullable columns (sqlstore.orderBy): each
-- index here is (column, id) with the column's NULLs first, so a forward
-- scan is the ascending order and a backward scan the descending one,
-- without a sort. The folded copies are COLLATE "C" like the search's
-- order, and '' for NULL.
--
-- CoworkerId had an index (0006) whose NULLs came last, the opposite of
-- the search's order, and no id: it is replaced by one that serves both
-- the filters it was made for and the sort.
--
-- The cost is one more index entry per index on every insert (check-in
-- throughput keeps its ratio to the one-commit-per-attempt floor:
-- docs/benchmarks.md, "indexes for every sort field").
CREATE INDEX failed_checkins_business_name_order ON failed_checkins (business_name_fold, id);
CREATE INDEX failed_checkins_source ON failed_checkins (source, id);
CREATE INDEX failed_checkins_mac_addresses ON failed_checkins (mac_addresses_fold, id);
CREATE INDEX failed_checkins_teams ON failed_checkins (teams_fold, id);
CREATE INDEX failed_checkins_tariff ON failed_checkins (tariff_fold, id);
CREATE INDEX failed_checkins_description ON failed_checkins (description_fold, id);
CREATE INDEX failed_checkins_updated ON failed_checkins (updated_on, id);
CREATE INDEX failed_checkins_updated_by ON failed_checkins (updated_by_fold, id);
CREATE INDEX failed_checkins_system_id ON failed_checkins (system_id_fold, id);
CREATE INDEX failed_checkins_reason ON failed_checkins (reason_fold, id);
CREATE INDEX failed_checkins_resolved_by ON failed_checkins (resolved_by_checkin_id NULLS FIRST, id);
CREATE INDEX failed_checkins_resolved_on ON failed_checkins (resolved_on NULLS FIRST, id);
DROP INDEX failed_checkins_coworker;
CREATE INDEX failed_checkins_coworker ON failed_checkins (coworker_id NULLS FIRST, id);
