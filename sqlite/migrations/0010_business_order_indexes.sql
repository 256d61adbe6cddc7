-- Scoped and default-order searches (issue 17): a location manager's
-- default search (their locations, ordered by CreatedOn) and a location
-- filter ordered by CreatedOn or Id sorted every record of the locations
-- (0.4-0.8 s at 1M records). With these two indexes each location is
-- walked in the requested order (the rowid, id, ends every entry, so
-- "ORDER BY created_on, id" and "ORDER BY id" need no sort), and a
-- search over several locations merges one ordered walk per location
-- (sqlstore.BuildMergedPage). Both grow at their right edge per location as
-- records arrive (CreatedOn and Id increase), so an insert touches one
-- hot page of each.
CREATE INDEX failed_checkins_business_created ON failed_checkins (business_id, created_on);
CREATE INDEX failed_checkins_business ON failed_checkins (business_id);
