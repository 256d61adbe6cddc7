-- FailedCheckin records (API.md section 1).
-- Times are INTEGER Unix seconds; CheckinAttemptTimeLocal is its wall clock
-- read as UTC. Each text column has a *_fold copy computed on write with
-- failedcheckins.Fold ('' for NULL), so case-insensitive filters and sorting
-- are plain byte comparisons and SQL never needs to know Unicode.
CREATE TABLE failed_checkins (
    id                         INTEGER PRIMARY KEY,
    unique_id                  TEXT    NOT NULL UNIQUE, -- lower-case UUID, so it is its own folded copy
    coworker_id                INTEGER,
    coworker_full_name         TEXT    NOT NULL,
    coworker_full_name_fold    TEXT    NOT NULL,
    business_id                INTEGER NOT NULL,
    business_name              TEXT    NOT NULL,
    business_name_fold         TEXT    NOT NULL,
    checkin_attempt_time       INTEGER NOT NULL,
    source                     INTEGER NOT NULL CHECK (source BETWEEN 0 AND 5),
    mac_addresses              TEXT    NOT NULL,
    mac_addresses_fold         TEXT    NOT NULL,
    teams                      TEXT    NOT NULL,
    teams_fold                 TEXT    NOT NULL,
    tariff                     TEXT    NOT NULL,
    tariff_fold                TEXT    NOT NULL,
    description                TEXT    NOT NULL,
    description_fold           TEXT    NOT NULL,
    checkin_attempt_time_local INTEGER NOT NULL,
    created_on                 INTEGER NOT NULL,
    updated_on                 INTEGER NOT NULL,
    updated_by                 TEXT,
    updated_by_fold            TEXT    NOT NULL,
    system_id                  TEXT,
    system_id_fold             TEXT    NOT NULL,
    reason                     TEXT,
    reason_fold                TEXT    NOT NULL
) STRICT;

-- q1, q3, q4: one location over a time range, newest first. The rowid (id)
-- ends every index entry, so "ORDER BY time, id" needs no sort step.
CREATE INDEX failed_checkins_business_time ON failed_checkins (business_id, checkin_attempt_time);
-- q2 and unscoped lists ordered by time (the default console view).
CREATE INDEX failed_checkins_time ON failed_checkins (checkin_attempt_time);
-- q6: everything ordered by CreatedOn (the API's default order).
CREATE INDEX failed_checkins_created ON failed_checkins (created_on);
