-- Zone maps (issue 17, the counts of large ranges): per block of Ids, the
-- number of records and the smallest and largest of each time a range can
-- test (CheckinAttemptTime, its local wall clock, CreatedOn, UpdatedOn, in
-- Unix seconds as failed_checkins holds them). A count whose conditions
-- are only such ranges (and locations) sums the blocks inside every range
-- and counts the records of the few blocks a range cuts (sqlstore/zone.go):
-- an Id or UpdatedOn range over 700,000 records walked 700,000 index
-- entries. fc_zone is every location's, by 1,024 Ids; fc_zone_business
-- one location's, by 16,384 Ids. The store keeps them in every write's
-- transaction like the other rollups; the bounds only widen (a deleted or
-- rewritten record leaves them), which keeps every count exact. The
-- tables are built afresh from the records (tests that take a migration
-- back leave them in place).
DROP TABLE IF EXISTS fc_zone;
DROP TABLE IF EXISTS fc_zone_business;
CREATE TABLE fc_zone (
    id_block INTEGER NOT NULL,
    checkin_attempt_time_min INTEGER NOT NULL,
    checkin_attempt_time_max INTEGER NOT NULL,
    checkin_attempt_time_local_min INTEGER NOT NULL,
    checkin_attempt_time_local_max INTEGER NOT NULL,
    created_on_min INTEGER NOT NULL,
    created_on_max INTEGER NOT NULL,
    updated_on_min INTEGER NOT NULL,
    updated_on_max INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone
    SELECT id / 1024, min(checkin_attempt_time), max(checkin_attempt_time),
        min(checkin_attempt_time_local), max(checkin_attempt_time_local),
        min(created_on), max(created_on), min(updated_on), max(updated_on), count(*)
    FROM failed_checkins GROUP BY id / 1024;

CREATE TABLE fc_zone_business (
    business_id INTEGER NOT NULL,
    id_block INTEGER NOT NULL,
    checkin_attempt_time_min INTEGER NOT NULL,
    checkin_attempt_time_max INTEGER NOT NULL,
    checkin_attempt_time_local_min INTEGER NOT NULL,
    checkin_attempt_time_local_max INTEGER NOT NULL,
    created_on_min INTEGER NOT NULL,
    created_on_max INTEGER NOT NULL,
    updated_on_min INTEGER NOT NULL,
    updated_on_max INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_business
    SELECT business_id, id / 16384, min(checkin_attempt_time), max(checkin_attempt_time),
        min(checkin_attempt_time_local), max(checkin_attempt_time_local),
        min(created_on), max(created_on), min(updated_on), max(updated_on), count(*)
    FROM failed_checkins GROUP BY business_id, id / 16384;
