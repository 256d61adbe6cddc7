-- Alert rules and incidents (PUSH.md section 3, docs/api.md#alert-rules).
-- Incidents are opened, joined and resolved by the attempt pipeline in the
-- transaction that records the refusals (sqlstore/alert.go); times are
-- INTEGER Unix milliseconds (Dialect.Accounts).
CREATE TABLE alert_rules (
    id              INTEGER PRIMARY KEY,
    unique_id       TEXT    NOT NULL UNIQUE,
    business_id     INTEGER,                 -- NULL: every location (full administrators only)
    name            TEXT    NOT NULL,
    active          INTEGER NOT NULL CHECK (active IN (0, 1)),
    filter          TEXT    NOT NULL,        -- FailedCheckin_ search parameters; '' = every refusal
    group_by        TEXT    NOT NULL,        -- field names, comma-separated, in fc.AlertGroupFields order
    threshold       INTEGER NOT NULL,
    window_minutes  INTEGER NOT NULL,
    repeat_minutes  INTEGER NOT NULL,
    resolve_minutes INTEGER NOT NULL,
    receivers       TEXT    NOT NULL,        -- JSON {"Webhooks": [...], "Emails": [...]}
    created_on      INTEGER NOT NULL,
    updated_on      INTEGER NOT NULL,
    updated_by      TEXT
) STRICT;
CREATE INDEX alert_rules_business ON alert_rules (business_id);

-- The version of the set of rules: every change adds one, and each attempt
-- batch reads it with the webhooks', so every server reloads its cache of
-- active rules at its next batch.
CREATE TABLE alert_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
) STRICT;
INSERT INTO alert_state (id, version) VALUES (1, 0);

CREATE TABLE alert_incidents (
    id                 INTEGER PRIMARY KEY,
    rule_id            INTEGER NOT NULL,
    rule_name          TEXT    NOT NULL,
    key                TEXT    NOT NULL,     -- JSON object of the GroupBy fields and values
    business_id        INTEGER,
    coworker_id        INTEGER,              -- the key's coworker: an accepted check-in resolves
    location_id        INTEGER NOT NULL,     -- the opening refusal's location: where that check-in resolves
    status             TEXT    NOT NULL CHECK (status IN ('Open', 'Acknowledged', 'Resolved')),
    failure_count      INTEGER NOT NULL,
    failed_checkin_ids TEXT    NOT NULL,     -- JSON array, the first 100
    opened_on          INTEGER NOT NULL,
    last_failure_on    INTEGER NOT NULL,     -- the latest CheckinAttemptTime
    resolve_after      INTEGER NOT NULL,     -- last refusal recorded + ResolveMinutes
    last_notified_on   INTEGER NOT NULL,
    resolved_on        INTEGER,
    acknowledged_by    TEXT,
    acknowledged_on    INTEGER
) STRICT;
-- One incident per rule and key at a time, whatever the servers do.
CREATE UNIQUE INDEX alert_incidents_one_open ON alert_incidents (rule_id, key) WHERE status <> 'Resolved';
CREATE INDEX alert_incidents_coworker ON alert_incidents (coworker_id, location_id) WHERE status <> 'Resolved';
CREATE INDEX alert_incidents_quiet ON alert_incidents (resolve_after) WHERE status <> 'Resolved';
CREATE INDEX alert_incidents_business ON alert_incidents (business_id, id);

-- The matching refusals of each rule and key that no incident holds yet:
-- the sliding window counts these by CheckinAttemptTime. An incident that
-- opens takes its key's rows; the sweep forgets rows too old to count.
CREATE TABLE alert_refusals (
    rule_id           INTEGER NOT NULL,
    key               TEXT    NOT NULL,
    attempt_time      INTEGER NOT NULL,
    failed_checkin_id INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_refusals_window ON alert_refusals (rule_id, key, attempt_time);
CREATE INDEX alert_refusals_time ON alert_refusals (attempt_time);

-- The email notifications of incidents (serve --smtp-url), queued in the
-- transaction that changed the incident, as webhook deliveries are, and
-- sent by a sender that claims them with a lease.
CREATE TABLE alert_emails (
    id              INTEGER PRIMARY KEY,
    incident_id     INTEGER NOT NULL,
    recipients      TEXT    NOT NULL,     -- comma-separated addresses
    subject         TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    status          TEXT    NOT NULL CHECK (status IN ('Pending', 'Sent', 'Failed')),
    attempts        INTEGER NOT NULL,
    last_error      TEXT,
    next_attempt_on INTEGER NOT NULL,
    created_on      INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER
) STRICT;
CREATE INDEX alert_emails_due ON alert_emails (next_attempt_on) WHERE status = 'Pending';
