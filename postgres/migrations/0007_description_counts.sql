-- The distinct descriptions and their counts (issue 6, q3 of the bench
-- README), as in the sqlite store's migration 0007: a rollup
-- (sqlbuild.Rollups) and the dictionary of Description, so a description
-- substring on fc_count_business_day_source_description becomes
-- "description IN (the matching descriptions)", which its primary key
-- serves. The trigger function of 0006 counts it too.

CREATE TABLE fc_count_description (
    description text COLLATE "C" NOT NULL,
    description_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (description)
);
INSERT INTO fc_count_description (description, description_fold, n)
    SELECT description, max(description_fold), count(*) FROM failed_checkins GROUP BY description;

CREATE OR REPLACE FUNCTION fc_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
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
    INSERT INTO fc_count_description (description, description_fold, n)
        SELECT description, max(description_fold), count(*) FROM new_rows GROUP BY description
        ON CONFLICT (description) DO UPDATE SET n = fc_count_description.n + excluded.n;
    RETURN NULL;
END
$$;
