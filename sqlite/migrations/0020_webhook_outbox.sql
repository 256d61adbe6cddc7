-- One outbox row per record, not one per webhook (issue 13, the cost of
-- webhooks on check-ins): an attempt batch writes, in the record's
-- transaction, one webhook_outbox row naming the active webhooks that
-- cover the record, and the dispatcher turns it into one
-- webhook_deliveries row per webhook (the delivery log, per-webhook
-- retries and failure counts) in its own transaction, when it claims
-- (sqlstore/outbox.go). A refusal with three webhooks thus writes one row
-- with one b-tree entry in the group commit, not three rows with three
-- entries each (BenchmarkHTTP16Push/outbox).
--
-- The webhook-id of a delivery made from an outbox row is derived from
-- that row (its Id, kept in the delivery's outbox_id; its created_on, the
-- delivery's too; and the webhook's Id: sqlstore.OutboxEventID), so that a fan-out made twice (a crash that
-- loses the dispatcher's transaction) gives the same webhook-ids.
-- AUTOINCREMENT: the rows are deleted as they are fanned out, so without
-- it SQLite would give the next one the same Id again.
--
-- Nothing moves: the deliveries already queued stay in webhook_deliveries
-- with their Ids and webhook-ids (outbox_id NULL).
CREATE TABLE webhook_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    action     INTEGER NOT NULL,
    record_id  INTEGER NOT NULL,
    webhooks   TEXT    NOT NULL, -- the Ids of the webhooks that covered the record when it was written, comma-separated
    created_on INTEGER NOT NULL
) STRICT;
ALTER TABLE webhook_deliveries ADD COLUMN outbox_id INTEGER; -- the outbox row it was made from (its webhook-id's); NULL before 0020 and for alert incidents
