-- Check-ins (CHECKINS.md): the directory, accepted check-ins and the
-- remembered answers of Idempotency-Key requests.

-- The directory is one document (the canonical JSON of
-- failedcheckins.MarshalDirectory), replaced whole by each import after the
-- merge by Id. version grows with every import: servers cache the parsed
-- directory and reread it only when the version they see has moved (another
-- process, or another server on the same database, may have imported).
CREATE TABLE directory (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    version    INTEGER NOT NULL,
    document   TEXT    NOT NULL,
    updated_on INTEGER NOT NULL
) STRICT;
INSERT INTO directory (id, version, document, updated_on) VALUES (1, 0, '{}', 0);

-- Accepted check-ins (CHECKINS.md section 4); same conventions as
-- failed_checkins: Unix seconds, wall clocks read as UTC, *_fold copies.
CREATE TABLE checkins (
    id                      INTEGER PRIMARY KEY,
    unique_id               TEXT    NOT NULL UNIQUE,
    coworker_id             INTEGER NOT NULL,
    coworker_full_name      TEXT    NOT NULL,
    coworker_full_name_fold TEXT    NOT NULL,
    business_id             INTEGER NOT NULL,
    business_name           TEXT    NOT NULL,
    business_name_fold      TEXT    NOT NULL,
    source                  INTEGER NOT NULL CHECK (source BETWEEN 0 AND 5),
    from_time               INTEGER NOT NULL,
    to_time                 INTEGER,
    from_time_local         INTEGER NOT NULL,
    to_time_local           INTEGER,
    mac_addresses           TEXT    NOT NULL,
    mac_addresses_fold      TEXT    NOT NULL,
    teams                   TEXT    NOT NULL,
    teams_fold              TEXT    NOT NULL,
    tariff                  TEXT    NOT NULL,
    tariff_fold             TEXT    NOT NULL,
    created_on              INTEGER NOT NULL,
    updated_on              INTEGER NOT NULL,
    updated_by              TEXT,
    updated_by_fold         TEXT    NOT NULL,
    system_id               TEXT,
    system_id_fold          TEXT    NOT NULL
) STRICT;
-- The monthly limit: accepted check-ins of one coworker in a time range.
CREATE INDEX checkins_coworker_time ON checkins (coworker_id, from_time);
-- Search: one location over time, and everything by time (default order).
CREATE INDEX checkins_business_time ON checkins (business_id, from_time);
CREATE INDEX checkins_time ON checkins (from_time);

-- The first answer to an Idempotency-Key, per user, for 24 hours.
CREATE TABLE idempotency_keys (
    user_id     INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL, -- SHA-256 of the request body
    accepted    INTEGER NOT NULL CHECK (accepted IN (0, 1)),
    record_id   INTEGER NOT NULL,
    reason      TEXT    NOT NULL,
    description TEXT    NOT NULL,
    created_on  INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_on);
