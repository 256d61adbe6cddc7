-- Exact counts of failed_checkins for the common groupings (issue 6), kept
-- by the store in the same transaction as every insert (records never change,
-- so a count never goes stale). A search whose conditions only test a table's
-- fields is counted by summing its rows; only the partial days at the edges of
-- a CheckinAttemptTime range are counted from records. The tables and their
-- order are sqlbuild.Rollups; columns keep the names of failed_checkins so
-- the one search builder writes their WHERE clauses. day is the UTC day of
-- CheckinAttemptTime, floor(t / 86400), also before 1970.

CREATE TABLE fc_count_business (
    business_id INTEGER NOT NULL,
    business_name TEXT NOT NULL,
    business_name_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, business_name)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_business (business_id, business_name, business_name_fold, n)
    SELECT business_id, business_name, max(business_name_fold), count(*) FROM failed_checkins GROUP BY business_id, business_name;

CREATE TABLE fc_count_source_tariff (
    source INTEGER NOT NULL,
    tariff TEXT NOT NULL,
    tariff_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (source, tariff)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_source_tariff (source, tariff, tariff_fold, n)
    SELECT source, tariff, max(tariff_fold), count(*) FROM failed_checkins GROUP BY source, tariff;

CREATE TABLE fc_count_name (
    coworker_full_name TEXT NOT NULL,
    coworker_full_name_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (coworker_full_name)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_name (coworker_full_name, coworker_full_name_fold, n)
    SELECT coworker_full_name, max(coworker_full_name_fold), count(*) FROM failed_checkins GROUP BY coworker_full_name;

CREATE TABLE fc_count_teams (
    teams TEXT NOT NULL,
    teams_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (teams)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_teams (teams, teams_fold, n)
    SELECT teams, max(teams_fold), count(*) FROM failed_checkins GROUP BY teams;

CREATE TABLE fc_count_business_day (
    business_id INTEGER NOT NULL,
    business_name TEXT NOT NULL,
    business_name_fold TEXT NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, business_name, day)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_business_day (business_id, business_name, business_name_fold, day, n)
    SELECT business_id, business_name, max(business_name_fold), (checkin_attempt_time - ((checkin_attempt_time % 86400) + 86400) % 86400) / 86400, count(*) FROM failed_checkins GROUP BY business_id, business_name, (checkin_attempt_time - ((checkin_attempt_time % 86400) + 86400) % 86400) / 86400;

CREATE TABLE fc_count_business_name (
    business_id INTEGER NOT NULL,
    coworker_full_name TEXT NOT NULL,
    coworker_full_name_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, coworker_full_name)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_business_name (business_id, coworker_full_name, coworker_full_name_fold, n)
    SELECT business_id, coworker_full_name, max(coworker_full_name_fold), count(*) FROM failed_checkins GROUP BY business_id, coworker_full_name;

CREATE TABLE fc_count_business_day_source_description (
    business_id INTEGER NOT NULL,
    source INTEGER NOT NULL,
    description TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    day INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, source, description, day)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_business_day_source_description (business_id, source, description, description_fold, day, n)
    SELECT business_id, source, description, max(description_fold), (checkin_attempt_time - ((checkin_attempt_time % 86400) + 86400) % 86400) / 86400, count(*) FROM failed_checkins GROUP BY business_id, source, description, (checkin_attempt_time - ((checkin_attempt_time % 86400) + 86400) % 86400) / 86400;

-- Indexes for filters and sorts beyond the six bench shapes (issue 6: any
-- combination under 50 ms): one coworker's history, a wall-clock window,
-- and the most common text sort, by name, over everything or one location.
CREATE INDEX failed_checkins_coworker ON failed_checkins (coworker_id);
CREATE INDEX failed_checkins_local_time ON failed_checkins (checkin_attempt_time_local);
CREATE INDEX failed_checkins_name ON failed_checkins (coworker_full_name_fold);
CREATE INDEX failed_checkins_business_name ON failed_checkins (business_id, coworker_full_name_fold);
