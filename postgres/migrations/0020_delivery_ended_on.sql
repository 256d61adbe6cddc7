-- When a delivery ended (issue 13 review): the delivery log's retention
-- (serve --webhook-log-retention) counts a Delivered or Failed delivery
-- from the moment it ended, which created_on and delivered_on do not tell
-- for one that failed after waiting (a webhook disabled for weeks, then
-- enabled) or one redelivered and then failed. Set when a delivery
-- becomes Delivered or Failed, cleared when it is queued again; NULL while
-- Pending.
ALTER TABLE webhook_deliveries ADD COLUMN ended_on timestamptz;
-- Rows that ended before this migration: when a Failed one failed was not
-- recorded; the latest time known (the old rule's) stands in for it
-- (greatest ignores a NULL delivered_on).
UPDATE webhook_deliveries SET ended_on = greatest(created_on, delivered_on) WHERE status <> 'Pending';
COMMENT ON COLUMN webhook_deliveries.ended_on IS 'when the delivery became Delivered or Failed (the delivery log''s retention counts from it); NULL while Pending';
