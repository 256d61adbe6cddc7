-- The mark of the open incidents' cache (issue 14, sqlstore/incidentcache.go):
-- an attempt batch keeps the open incidents it read and wrote in memory
-- for the next one, valid while incidents_writer still holds the mark of
-- that cache. Every other writer of incidents (acknowledgement, sweep,
-- erasure, retention, rule changes, another process's batches) sets it
-- to 0 or to its own mark in its transaction, so the next batch reads the
-- incidents from the table again.
ALTER TABLE alert_state ADD COLUMN incidents_writer INTEGER NOT NULL DEFAULT 0;
