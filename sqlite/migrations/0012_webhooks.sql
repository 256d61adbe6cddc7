-- Webhooks (PUSH.md section 1, docs/api.md#webhooks): the subscriptions,
-- and the outbox of deliveries the attempt pipeline writes in the same
-- transaction as the record (so a crash after the check-in answer loses
-- no delivery). Times are INTEGER Unix milliseconds (Dialect.Accounts).
CREATE TABLE webhooks (
    id           INTEGER PRIMARY KEY,
    unique_id    TEXT    NOT NULL UNIQUE,
    business_id  INTEGER,                  -- NULL: every location (full administrators only)
    name         TEXT    NOT NULL,
    action       INTEGER NOT NULL,         -- 63 FailedCheckin, 47 CheckinCreated, 1001 AlertIncident
    description  TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    active       INTEGER NOT NULL CHECK (active IN (0, 1)),
    filter       TEXT    NOT NULL,         -- a search query string; '' = every record
    -- The HMAC key, kept readable: the service signs every attempt with it
    -- (docs/configuration.md#webhook-secrets).
    secret       TEXT    NOT NULL,
    last_error   TEXT    NOT NULL,
    error_count  INTEGER NOT NULL,
    last_trigger INTEGER,
    created_on   INTEGER NOT NULL,
    updated_on   INTEGER NOT NULL,
    updated_by   TEXT,
    system_id    TEXT
) STRICT;
CREATE INDEX webhooks_business ON webhooks (business_id);

-- The version of the set of webhooks: every change that matters to the
-- outbox (create, delete, an edit, a webhook turned off or on) adds one,
-- and each attempt batch reads it with the directory's, so every server
-- reloads its cache of active webhooks at its next batch.
CREATE TABLE webhook_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO webhook_state (id, version) VALUES (1, 0);

-- One row per record per webhook. No foreign key to webhooks: deleting a
-- webhook deletes its rows, and a row a batch queued for a webhook
-- deleted meanwhile is never claimed (the claim joins webhooks), rather
-- than failing the batch's check-ins.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       INTEGER NOT NULL,
    action           INTEGER NOT NULL,
    record_id        INTEGER NOT NULL,
    event_id         TEXT    NOT NULL UNIQUE, -- the webhook-id header: the same on every retry
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
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_on) WHERE status = 'Pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
