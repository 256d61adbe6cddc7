-- The insert count triggers stand aside, without being called, in a
-- transaction that counts its inserts in Go (failedcheckins.bulk_counts:
-- an import, postgres/rollup.go, and every check-in batch,
-- sqlstore.RecordAttempts, issue 17). Until now the insert functions of
-- 0006 and 0023 were called on every INSERT and returned at once: a
-- statement trigger's WHEN is tested before any call. The update and
-- delete triggers keep counting in every transaction: an UPDATE or DELETE
-- in such a transaction is not counted in Go, so a switch that silenced
-- them would lose whatever key it moved (a review of wt-A showed it). The
-- functions are unchanged; their own test of bulk_counts stays, as the
-- same answer. Dropped first so that a test taking the migrations back
-- runs this again.
DROP TRIGGER IF EXISTS fc_count_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_mac_inserted ON failed_checkins;

CREATE TRIGGER fc_count_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_inserted();
CREATE TRIGGER fc_count_mac_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_mac_inserted();
