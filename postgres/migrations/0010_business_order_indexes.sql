-- Scoped and default-order searches (issue 17): a location manager's
-- default search (their locations, ordered by CreatedOn) and a location
-- filter ordered by CreatedOn or Id sorted every record of the locations.
-- With these two indexes each location is walked in the requested order
-- (id last, as in 0001, so "ORDER BY created_on DESC, id DESC" reads an
-- index backwards without a sort), and a search over several locations
-- merges one ordered walk per location (sqlstore.BuildMergedPage: a Merge
-- Append of index scans). Both grow at their right edge per location.
CREATE INDEX failed_checkins_business_created ON failed_checkins (business_id, created_on, id);
CREATE INDEX failed_checkins_business ON failed_checkins (business_id, id);
