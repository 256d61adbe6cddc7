-- Check-ins (CHECKINS.md): the directory, accepted check-ins and the
-- remembered answers of Idempotency-Key requests. Same conventions as
-- failed_checkins: timestamptz instants in whole seconds, local wall
-- clocks as timestamp without time zone, *_fold copies COLLATE "C".

-- The directory is one document (the canonical JSON of
-- failedcheckins.MarshalDirectory), replaced whole by each import after the
-- merge by Id. version grows with every import: servers cache the parsed
-- directory and reread it only when the version they see has moved.
CREATE TABLE directory (
    id         integer     PRIMARY KEY CHECK (id = 1),
    version    bigint      NOT NULL,
    document   text        NOT NULL,
    updated_on timestamptz NOT NULL
);
INSERT INTO directory (id, version, document, updated_on) VALUES (1, 0, '{}', 'epoch');

-- Accepted check-ins (CHECKINS.md section 4). Only RecordAttempts writes
-- here, under the records' write lock, with Id one past the largest (as
-- SQLite assigns a rowid).
CREATE TABLE checkins (
    id                      bigint      PRIMARY KEY,
    unique_id               text        COLLATE "C" NOT NULL UNIQUE,
    coworker_id             bigint      NOT NULL,
    coworker_full_name      text        NOT NULL,
    coworker_full_name_fold text        COLLATE "C" NOT NULL,
    business_id             bigint      NOT NULL,
    business_name           text        NOT NULL,
    business_name_fold      text        COLLATE "C" NOT NULL,
    source                  bigint      NOT NULL CHECK (source BETWEEN 0 AND 5),
    from_time               timestamptz NOT NULL,
    to_time                 timestamptz,
    from_time_local         timestamp   NOT NULL,
    to_time_local           timestamp,
    mac_addresses           text        NOT NULL,
    mac_addresses_fold      text        COLLATE "C" NOT NULL,
    teams                   text        NOT NULL,
    teams_fold              text        COLLATE "C" NOT NULL,
    tariff                  text        NOT NULL,
    tariff_fold             text        COLLATE "C" NOT NULL,
    created_on              timestamptz NOT NULL,
    updated_on              timestamptz NOT NULL,
    updated_by              text,
    updated_by_fold         text        COLLATE "C" NOT NULL,
    system_id               text,
    system_id_fold          text        COLLATE "C" NOT NULL
);
-- The monthly limit: accepted check-ins of one coworker in a time range.
CREATE INDEX checkins_coworker_time ON checkins (coworker_id, from_time);
-- Search: one location over time, and everything by time (default order).
CREATE INDEX checkins_business_time ON checkins (business_id, from_time, id);
CREATE INDEX checkins_time ON checkins (from_time, id);

-- The first answer to an Idempotency-Key, per user, for 24 hours.
CREATE TABLE idempotency_keys (
    user_id     bigint      NOT NULL,
    key         text        COLLATE "C" NOT NULL,
    fingerprint text        NOT NULL, -- SHA-256 of the request body
    accepted    boolean     NOT NULL,
    record_id   bigint      NOT NULL,
    reason      text        NOT NULL,
    description text        NOT NULL,
    created_on  timestamptz NOT NULL,
    PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_on);
