-- The mark of the open incidents' cache (issue 14, sqlstore/incidentcache.go):
-- an attempt batch keeps the open incidents it read and wrote in memory
-- for the next one, valid while incidents_writer still holds the mark of
-- that cache (the batch reads it FOR UPDATE). Every other writer of
-- incidents (acknowledgement, sweep, erasure, retention, rule changes,
-- another server's batches) sets it to 0 or to its own mark in its
-- transaction, before it touches an incident, so the next batch reads the
-- incidents from the table again.
ALTER TABLE alert_state ADD COLUMN incidents_writer bigint NOT NULL DEFAULT 0;
