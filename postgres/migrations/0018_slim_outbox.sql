-- A slimmer outbox (issue 13): the webhook-id of a delivery queued from
-- now on is derived from the row (sqlstore.EventID: the database's
-- event_prefix, the row's Id and its created_on), not a random text
-- stored with a UNIQUE index. Each refusal with three webhooks wrote three
-- such texts and three entries of that index in its transaction
-- (BenchmarkHTTP16Push/outbox). Rows queued before keep their stored
-- event_id, so a retry of one sends the webhook-id it was first sent with.
--
-- The prefix tells apart the Ids of two installations feeding one
-- receiver (not a copy of one database: a restored backup or a copied
-- file keeps its prefix, and only created_on then separates them);
-- created_on tells apart a delivery from a later one with
-- the same Id (a database restored from a backup).
ALTER TABLE webhook_state ADD COLUMN event_prefix text NOT NULL DEFAULT '';
UPDATE webhook_state SET event_prefix = substr(md5(random()::text || clock_timestamp()::text), 1, 12);
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_event_id_key;
ALTER TABLE webhook_deliveries ALTER COLUMN event_id DROP NOT NULL;
COMMENT ON COLUMN webhook_deliveries.event_id IS 'the webhook-id of a row queued before migration 0018; NULL: derived (sqlstore.EventID)';
