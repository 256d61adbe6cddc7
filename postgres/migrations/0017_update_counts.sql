-- Updates count only the rollups whose key they move (issue 16: erasure
-- of a person's 5,000 records at 1M records took 2.2-2.7 s, the target is
-- under 2 s). The update triggers of 0011 added every updated row to all
-- eight rollups and took it out again whenever any counted field moved:
-- an anonymization changes only CoworkerFullName and Teams (the keys of
-- fc_count_name, fc_count_teams and fc_count_business_name), yet it
-- upserted and decremented one row of fc_count_business_day and of
-- fc_count_business_day_source_description per record (about 5,000
-- random keys of 36,500 and 655,855), 780 ms of the UPDATE's 2.5 s in
-- EXPLAIN ANALYZE on a cold copy (docs/benchmarks.md; 34 ms now).
--
-- One statement trigger now reads both transition tables once and finds,
-- for each rollup, whether any row's key moved (the day's rollups test
-- checkin_attempt_time itself: a time that moves within its day is
-- counted again, exactly, at no harm). Only those rollups are counted, as
-- before: the new rows added, then the old ones subtracted and the keys
-- that reach 0 deleted, so that the dictionaries stay exact. An UPDATE
-- that moves no counted field (a resolution, sqlstore.resolveSQL) counts
-- nothing, as with 0011's early return. The update branches of
-- fc_count_inserted and fc_count_removed are no longer reached; they keep
-- counting inserts and deletes.
DROP TRIGGER fc_count_updated_1_new ON failed_checkins;
DROP TRIGGER fc_count_updated_2_old ON failed_checkins;

CREATE FUNCTION fc_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved record;
BEGIN
    SELECT
        bool_or((o.business_id, o.business_name) IS DISTINCT FROM (n.business_id, n.business_name)) AS business,
        bool_or((o.source, o.tariff) IS DISTINCT FROM (n.source, n.tariff)) AS source_tariff,
        bool_or(o.coworker_full_name IS DISTINCT FROM n.coworker_full_name) AS name,
        bool_or(o.teams IS DISTINCT FROM n.teams) AS teams,
        bool_or((o.business_id, o.business_name, o.checkin_attempt_time) IS DISTINCT FROM (n.business_id, n.business_name, n.checkin_attempt_time)) AS business_day,
        bool_or((o.business_id, o.coworker_full_name) IS DISTINCT FROM (n.business_id, n.coworker_full_name)) AS business_name,
        bool_or((o.business_id, o.source, o.description, o.checkin_attempt_time) IS DISTINCT FROM (n.business_id, n.source, n.description, n.checkin_attempt_time)) AS business_day_source_description,
        bool_or(o.description IS DISTINCT FROM n.description) AS description
        INTO moved
        FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id;
    IF moved.business THEN
        INSERT INTO fc_count_business (business_id, business_name, business_name_fold, n)
            SELECT business_id, business_name, max(business_name_fold), count(*) FROM new_rows GROUP BY business_id, business_name
            ON CONFLICT (business_id, business_name) DO UPDATE SET n = fc_count_business.n + excluded.n;
        UPDATE fc_count_business AS c SET n = c.n - d.n
            FROM (SELECT business_id, business_name, count(*) AS n FROM old_rows GROUP BY business_id, business_name) AS d
            WHERE c.business_id = d.business_id AND c.business_name = d.business_name;
        DELETE FROM fc_count_business AS c USING (SELECT DISTINCT business_id, business_name FROM old_rows) AS d
            WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.n = 0;
    END IF;
    IF moved.source_tariff THEN
        INSERT INTO fc_count_source_tariff (source, tariff, tariff_fold, n)
            SELECT source, tariff, max(tariff_fold), count(*) FROM new_rows GROUP BY source, tariff
            ON CONFLICT (source, tariff) DO UPDATE SET n = fc_count_source_tariff.n + excluded.n;
        UPDATE fc_count_source_tariff AS c SET n = c.n - d.n
            FROM (SELECT source, tariff, count(*) AS n FROM old_rows GROUP BY source, tariff) AS d
            WHERE c.source = d.source AND c.tariff = d.tariff;
        DELETE FROM fc_count_source_tariff AS c USING (SELECT DISTINCT source, tariff FROM old_rows) AS d
            WHERE c.source = d.source AND c.tariff = d.tariff AND c.n = 0;
    END IF;
    IF moved.name THEN
        INSERT INTO fc_count_name (coworker_full_name, coworker_full_name_fold, n)
            SELECT coworker_full_name, max(coworker_full_name_fold), count(*) FROM new_rows GROUP BY coworker_full_name
            ON CONFLICT (coworker_full_name) DO UPDATE SET n = fc_count_name.n + excluded.n;
        UPDATE fc_count_name AS c SET n = c.n - d.n
            FROM (SELECT coworker_full_name, count(*) AS n FROM old_rows GROUP BY coworker_full_name) AS d
            WHERE c.coworker_full_name = d.coworker_full_name;
        DELETE FROM fc_count_name AS c USING (SELECT DISTINCT coworker_full_name FROM old_rows) AS d
            WHERE c.coworker_full_name = d.coworker_full_name AND c.n = 0;
    END IF;
    IF moved.teams THEN
        INSERT INTO fc_count_teams (teams, teams_fold, n)
            SELECT teams, max(teams_fold), count(*) FROM new_rows GROUP BY teams
            ON CONFLICT (teams) DO UPDATE SET n = fc_count_teams.n + excluded.n;
        UPDATE fc_count_teams AS c SET n = c.n - d.n
            FROM (SELECT teams, count(*) AS n FROM old_rows GROUP BY teams) AS d
            WHERE c.teams = d.teams;
        DELETE FROM fc_count_teams AS c USING (SELECT DISTINCT teams FROM old_rows) AS d
            WHERE c.teams = d.teams AND c.n = 0;
    END IF;
    IF moved.business_day THEN
        INSERT INTO fc_count_business_day (business_id, business_name, business_name_fold, day, n)
            SELECT business_id, business_name, max(business_name_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM new_rows GROUP BY business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint
            ON CONFLICT (business_id, business_name, day) DO UPDATE SET n = fc_count_business_day.n + excluded.n;
        UPDATE fc_count_business_day AS c SET n = c.n - d.n
            FROM (SELECT business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day, count(*) AS n FROM old_rows GROUP BY business_id, business_name, day) AS d
            WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.day = d.day;
        DELETE FROM fc_count_business_day AS c USING (SELECT DISTINCT business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day FROM old_rows) AS d
            WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.day = d.day AND c.n = 0;
    END IF;
    IF moved.business_name THEN
        INSERT INTO fc_count_business_name (business_id, coworker_full_name, coworker_full_name_fold, n)
            SELECT business_id, coworker_full_name, max(coworker_full_name_fold), count(*) FROM new_rows GROUP BY business_id, coworker_full_name
            ON CONFLICT (business_id, coworker_full_name) DO UPDATE SET n = fc_count_business_name.n + excluded.n;
        UPDATE fc_count_business_name AS c SET n = c.n - d.n
            FROM (SELECT business_id, coworker_full_name, count(*) AS n FROM old_rows GROUP BY business_id, coworker_full_name) AS d
            WHERE c.business_id = d.business_id AND c.coworker_full_name = d.coworker_full_name;
        DELETE FROM fc_count_business_name AS c USING (SELECT DISTINCT business_id, coworker_full_name FROM old_rows) AS d
            WHERE c.business_id = d.business_id AND c.coworker_full_name = d.coworker_full_name AND c.n = 0;
    END IF;
    IF moved.business_day_source_description THEN
        INSERT INTO fc_count_business_day_source_description (business_id, source, description, description_fold, day, n)
            SELECT business_id, source, description, max(description_fold), floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint, count(*) FROM new_rows GROUP BY business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint
            ON CONFLICT (business_id, source, description, day) DO UPDATE SET n = fc_count_business_day_source_description.n + excluded.n;
        UPDATE fc_count_business_day_source_description AS c SET n = c.n - d.n
            FROM (SELECT business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day, count(*) AS n FROM old_rows GROUP BY business_id, source, description, day) AS d
            WHERE c.business_id = d.business_id AND c.source = d.source AND c.description = d.description AND c.day = d.day;
        DELETE FROM fc_count_business_day_source_description AS c USING (SELECT DISTINCT business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day FROM old_rows) AS d
            WHERE c.business_id = d.business_id AND c.source = d.source AND c.description = d.description AND c.day = d.day AND c.n = 0;
    END IF;
    IF moved.description THEN
        INSERT INTO fc_count_description (description, description_fold, n)
            SELECT description, max(description_fold), count(*) FROM new_rows GROUP BY description
            ON CONFLICT (description) DO UPDATE SET n = fc_count_description.n + excluded.n;
        UPDATE fc_count_description AS c SET n = c.n - d.n
            FROM (SELECT description, count(*) AS n FROM old_rows GROUP BY description) AS d
            WHERE c.description = d.description;
        DELETE FROM fc_count_description AS c USING (SELECT DISTINCT description FROM old_rows) AS d
            WHERE c.description = d.description AND c.n = 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER fc_count_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_updated();
