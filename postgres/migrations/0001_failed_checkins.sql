-- FailedCheckin records (API.md section 1).
-- Times are timestamptz in whole seconds; checkin_attempt_time_local is a
-- timestamp without time zone: a wall clock at the location. Each text
-- column has a *_fold copy computed on write with failedcheckins.Fold (''
-- for NULL), so case-insensitive filters and sorting never need SQL to know
-- Unicode. The folded copies use COLLATE "C": they sort byte by byte, as
-- Go's strings.Compare does in the reference search, whatever the
-- database's default collation is.
-- Integers are bigint throughout, so that any 64-bit filter value is a
-- valid argument (an out-of-range argument would be an error, not "no
-- match").
CREATE TABLE failed_checkins (
    id                         bigint      PRIMARY KEY,
    unique_id                  text        COLLATE "C" NOT NULL UNIQUE, -- lower-case UUID: its own folded copy
    coworker_id                bigint,
    coworker_full_name         text        NOT NULL,
    coworker_full_name_fold    text        COLLATE "C" NOT NULL,
    business_id                bigint      NOT NULL,
    business_name              text        NOT NULL,
    business_name_fold         text        COLLATE "C" NOT NULL,
    checkin_attempt_time       timestamptz NOT NULL,
    source                     bigint      NOT NULL CHECK (source BETWEEN 0 AND 5),
    mac_addresses              text        NOT NULL,
    mac_addresses_fold         text        COLLATE "C" NOT NULL,
    teams                      text        NOT NULL,
    teams_fold                 text        COLLATE "C" NOT NULL,
    tariff                     text        NOT NULL,
    tariff_fold                text        COLLATE "C" NOT NULL,
    description                text        NOT NULL,
    description_fold           text        COLLATE "C" NOT NULL,
    checkin_attempt_time_local timestamp   NOT NULL,
    created_on                 timestamptz NOT NULL,
    updated_on                 timestamptz NOT NULL,
    updated_by                 text,
    updated_by_fold            text        COLLATE "C" NOT NULL,
    system_id                  text,
    system_id_fold             text        COLLATE "C" NOT NULL,
    reason                     text,
    reason_fold                text        COLLATE "C" NOT NULL
);

-- A PostgreSQL index does not end with the row's id (unlike SQLite's), so
-- each ordered index names id last: "ORDER BY time DESC, id DESC" then
-- reads the index backwards with no sort step.
-- q1, q3, q4: one location over a time range, newest first.
CREATE INDEX failed_checkins_business_time ON failed_checkins (business_id, checkin_attempt_time, id);
-- q2 and unscoped lists ordered by time (the default console view).
CREATE INDEX failed_checkins_time ON failed_checkins (checkin_attempt_time, id);
-- q6: everything ordered by CreatedOn (the API's default order).
CREATE INDEX failed_checkins_created ON failed_checkins (created_on, id);
