-- The count triggers stand aside, without being called, in a transaction
-- that counts its writes in Go (failedcheckins.bulk_counts: an import,
-- postgres/rollup.go, and every check-in batch, sqlstore.RecordAttempts,
-- issue 17). Until now the insert functions of 0006 and 0023 were called
-- on every INSERT and returned at once, and the update functions of 0017
-- and 0023 ran on every resolution UPDATE of an accepted check-in (two
-- plpgsql calls, each joining its transition tables to find that no
-- counted key moved). A statement trigger's WHEN is tested before any
-- call. The update triggers may stand aside too: the one UPDATE such a
-- transaction runs is the resolution (sqlstore.ResolveSQL), which moves
-- no key of a PostgreSQL rollup (resolved_by_checkin_id, resolved_on and
-- updated_on are in none of them). The delete triggers keep counting:
-- no such transaction deletes records. The functions are unchanged; their
-- own test of bulk_counts stays, as the same answer. Dropped first so that
-- a test taking the migrations back runs this again.
DROP TRIGGER IF EXISTS fc_count_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_updated ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_mac_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_mac_updated ON failed_checkins;

CREATE TRIGGER fc_count_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_inserted();
CREATE TRIGGER fc_count_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_updated();
CREATE TRIGGER fc_count_mac_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_mac_inserted();
CREATE TRIGGER fc_count_mac_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_mac_updated();
