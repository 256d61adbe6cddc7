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
-- created_on tells apart a delivery from a later one that
-- reuses its Id (SQLite reuses the largest Id once its row is deleted).
ALTER TABLE webhook_state ADD COLUMN event_prefix TEXT NOT NULL DEFAULT '';
UPDATE webhook_state SET event_prefix = lower(hex(randomblob(6)));

-- SQLite cannot drop a UNIQUE constraint: the table is rebuilt, its rows
-- copied with their Ids.
CREATE TABLE webhook_deliveries_slim (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL,
    action           INTEGER NOT NULL,
    record_id        INTEGER NOT NULL,
    event_id         TEXT,                    -- the webhook-id of a row queued before migration 0017; NULL: derived (sqlstore.EventID)
    body             TEXT,                    -- a payload fixed when queued (alert incidents); NULL = the record as get-one returns it
    status           TEXT    NOT NULL CHECK (status IN ('Pending', 'Delivered', 'Failed')),
    attempts         INTEGER NOT NULL,
    last_status_code INTEGER,
    last_error       TEXT,
    next_attempt_on  INTEGER,
    delivered_on     INTEGER,
    created_on       INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_until      INTEGER
) STRICT;
INSERT INTO webhook_deliveries_slim (id, webhook_id, action, record_id, event_id, body, status, attempts, last_status_code,
    last_error, next_attempt_on, delivered_on, created_on, lease_owner, lease_until)
SELECT id, webhook_id, action, record_id, event_id, body, status, attempts, last_status_code,
    last_error, next_attempt_on, delivered_on, created_on, lease_owner, lease_until
FROM webhook_deliveries;
DROP TABLE webhook_deliveries;
ALTER TABLE webhook_deliveries_slim RENAME TO webhook_deliveries;
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_on) WHERE status = 'Pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
