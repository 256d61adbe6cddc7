-- When a delivery ended (issue 13 review): the delivery log's retention
-- (serve --webhook-log-retention) counts a Delivered or Failed delivery
-- from the moment it ended, which created_on and delivered_on do not tell
-- for one that failed after waiting (a webhook disabled for weeks, then
-- enabled) or one redelivered and then failed. Set when a delivery
-- becomes Delivered or Failed, cleared when it is queued again; NULL while
-- Pending.
ALTER TABLE webhook_deliveries ADD COLUMN ended_on INTEGER;
-- Rows that ended before this migration: when a Failed one failed was not
-- recorded; the latest time known (the old rule's) stands in for it.
UPDATE webhook_deliveries SET ended_on = max(created_on, coalesce(delivered_on, created_on)) WHERE status <> 'Pending';
