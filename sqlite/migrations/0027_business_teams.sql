-- The teams of each location's records (issue 17: a teams substring within
-- a manager's locations). A search by a teams substring inside a scope or
-- BusinessId list walked every record of the matching teams in every
-- location (failed_checkins_teams), reading each to test its location:
-- r173's five locations and ", NIMBUS " read 12,893 records for 3,582
-- matches, 19-250 ms; through this index the count reads only the entries
-- of the scope's locations and matching teams, without a record (2-6 ms,
-- most of it the scan of fc_count_teams). sqlstore/selective.go's
-- businessTeamsSeed seeks it.
CREATE INDEX IF NOT EXISTS failed_checkins_business_teams ON failed_checkins (business_id, teams_fold);
