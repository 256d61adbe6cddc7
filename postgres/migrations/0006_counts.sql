-- Exact counts of failed_checkins for the common groupings (issue 6): the
-- same tables as the sqlite store's migration 0005 (sqlbuild.Rollups, in
-- that order). A search whose conditions only test a table's fields is
-- counted by summing its rows; only the partial days at the edges of a
-- CheckinAttemptTime range are counted from records. Records never change, so
-- a statement-level trigger with a transition table keeps the counts for
-- every way rows arrive (a check-in attempt, any future path), in the
-- inserting transaction, one grouped upsert per statement; imports count
-- in memory instead (see below). day is the UTC day of CheckinAttemptTime.

CREATE TABLE fc_count_business (
    business_id bigint NOT NULL,
    business_name text COLLATE "C" NOT NULL,
    business_name_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, business_name)
);
INSERT INTO fc_count_business (business_id, business_name, business_name_fold, n)
    SELECT business_id, business_name, max(business_name_fold), count(*) FROM failed_checkins GROUP BY business_id, business_name;

CREATE TABLE fc_count_source_tariff (
    source bigint NOT NULL,
    tariff text COLLATE "C" NOT NULL,
    tariff_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (source, tariff)
);
INSERT INTO fc_count_source_tariff (source, tariff, tariff_fold, n)
    SELECT source, tariff, max(tariff_fold), count(*) FROM failed_checkins GROUP BY source, tariff;

CREATE TABLE fc_count_name (
    coworker_full_name text COLLATE "C" NOT NULL,
    coworker_full_name_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (coworker_full_name)
);
INSERT INTO fc_count_name (coworker_full_name, coworker_full_name_fold, n)
    SELECT coworker_full_name, max(coworker_full_name_fold), count(*) FROM failed_checkins GROUP BY coworker_full_name;

CREATE TABLE fc_count_teams (
    teams text COLLATE "C" NOT NULL,
    teams_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (teams)
);
INSERT INTO fc_count_teams (teams, teams_fold, n)
    SELECT teams, max(teams_fold), count(*) FROM failed_checkins GROUP BY teams;

CREATE TABLE fc_count_business_day (
    business_id bigint NOT NULL,
    business_name text COLLATE "C" NOT NULL,
    business_name_fold text COLLATE "C" NOT NULL,
    day bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, business_name, day)
);
INSERT INTO fc_count_business_day (business_id, business_name, business_name_fold, day, n)
    SELECT business_id, business_name, max(business_name_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM failed_checkins GROUP BY business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint;

CREATE TABLE fc_count_business_name (
    business_id bigint NOT NULL,
    coworker_full_name text COLLATE "C" NOT NULL,
    coworker_full_name_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, coworker_full_name)
);
INSERT INTO fc_count_business_name (business_id, coworker_full_name, coworker_full_name_fold, n)
    SELECT business_id, coworker_full_name, max(coworker_full_name_fold), count(*) FROM failed_checkins GROUP BY business_id, coworker_full_name;

CREATE TABLE fc_count_business_day_source_description (
    business_id bigint NOT NULL,
    source bigint NOT NULL,
    description text COLLATE "C" NOT NULL,
    description_fold text COLLATE "C" NOT NULL,
    day bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, source, description, day)
);
INSERT INTO fc_count_business_day_source_description (business_id, source, description, description_fold, day, n)
    SELECT business_id, source, description, max(description_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM failed_checkins GROUP BY business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint;

-- An import sets failedcheckins.bulk_counts for its transaction and writes
-- the counts itself, once per key (postgres/rollup.go): updating the same
-- counter rows once per COPY chunk inside one long transaction leaves a
-- growing chain of row versions that every later upsert walks.
CREATE FUNCTION fc_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('failedcheckins.bulk_counts', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO fc_count_business (business_id, business_name, business_name_fold, n)
        SELECT business_id, business_name, max(business_name_fold), count(*) FROM new_rows GROUP BY business_id, business_name
        ON CONFLICT (business_id, business_name) DO UPDATE SET n = fc_count_business.n + excluded.n;
    INSERT INTO fc_count_source_tariff (source, tariff, tariff_fold, n)
        SELECT source, tariff, max(tariff_fold), count(*) FROM new_rows GROUP BY source, tariff
        ON CONFLICT (source, tariff) DO UPDATE SET n = fc_count_source_tariff.n + excluded.n;
    INSERT INTO fc_count_name (coworker_full_name, coworker_full_name_fold, n)
        SELECT coworker_full_name, max(coworker_full_name_fold), count(*) FROM new_rows GROUP BY coworker_full_name
        ON CONFLICT (coworker_full_name) DO UPDATE SET n = fc_count_name.n + excluded.n;
    INSERT INTO fc_count_teams (teams, teams_fold, n)
        SELECT teams, max(teams_fold), count(*) FROM new_rows GROUP BY teams
        ON CONFLICT (teams) DO UPDATE SET n = fc_count_teams.n + excluded.n;
    INSERT INTO fc_count_business_day (business_id, business_name, business_name_fold, day, n)
        SELECT business_id, business_name, max(business_name_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM new_rows GROUP BY business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint
        ON CONFLICT (business_id, business_name, day) DO UPDATE SET n = fc_count_business_day.n + excluded.n;
    INSERT INTO fc_count_business_name (business_id, coworker_full_name, coworker_full_name_fold, n)
        SELECT business_id, coworker_full_name, max(coworker_full_name_fold), count(*) FROM new_rows GROUP BY business_id, coworker_full_name
        ON CONFLICT (business_id, coworker_full_name) DO UPDATE SET n = fc_count_business_name.n + excluded.n;
    INSERT INTO fc_count_business_day_source_description (business_id, source, description, description_fold, day, n)
        SELECT business_id, source, description, max(description_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM new_rows GROUP BY business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint
        ON CONFLICT (business_id, source, description, day) DO UPDATE SET n = fc_count_business_day_source_description.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE TRIGGER fc_count_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_inserted();

-- Indexes for filters and sorts beyond the six bench shapes, as in sqlite's
-- migration 0005.
CREATE INDEX failed_checkins_coworker ON failed_checkins (coworker_id);
CREATE INDEX failed_checkins_local_time ON failed_checkins (checkin_attempt_time_local);
CREATE INDEX failed_checkins_name ON failed_checkins (coworker_full_name_fold);
CREATE INDEX failed_checkins_business_name ON failed_checkins (business_id, coworker_full_name_fold);
