-- "Did they get in anyway?" (issue 15 item 3, docs/checkins.md): a
-- refusal is resolved by the first accepted check-in of the same coworker
-- at the same location within 60 minutes after it. The attempt pipeline
-- sets both columns in the transaction that accepts the check-in
-- (sqlstore.resolveSQL); both stay NULL until then, and for every record
-- written before this migration (its history is not guessed afresh: a
-- resolution says what the service saw when it accepted the check-in).
-- Adding a nullable column without a default rewrites nothing.
ALTER TABLE failed_checkins ADD COLUMN resolved_by_checkin_id bigint;
ALTER TABLE failed_checkins ADD COLUMN resolved_on timestamptz;

-- Every accepted check-in runs the resolution UPDATE, most of them finding
-- nothing. failed_checkins_coworker (coworker_id) alone would visit every
-- refusal of the coworker, at every location and in every year; with this
-- index it is a seek to the coworker's refusals at the location within the
-- hour. It costs one more index entry per inserted refusal
-- (docs/benchmarks.md has the measured cost). failed_checkins_coworker
-- stays for the coworker filter and sort.
CREATE INDEX failed_checkins_coworker_business_time ON failed_checkins (coworker_id, business_id, checkin_attempt_time);

-- The UPDATE fires the statement triggers of migration 0009, every time,
-- even when it changes no row (statement triggers do), and they would add
-- every resolved row to the rollups and take it out again: exact, but
-- about twenty statements for each accepted check-in. A resolution
-- changes no counted field, so both functions now first look for a row
-- whose counted fields (those of sqlstore.Rollups, and the day of
-- checkin_attempt_time) changed, and return at once when there is none.
-- The check needs both transition tables, so the update triggers now name
-- both. The function bodies are otherwise those of 0007 and 0009.
DROP TRIGGER fc_count_updated_1_new ON failed_checkins;
DROP TRIGGER fc_count_updated_2_old ON failed_checkins;

CREATE OR REPLACE FUNCTION fc_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('failedcheckins.bulk_counts', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        -- Planned only when reached: an INSERT or DELETE has no old_rows
        -- or new_rows to name.
        IF NOT EXISTS (SELECT 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                WHERE (o.business_id, o.business_name, o.source, o.tariff, o.coworker_full_name, o.teams,
                       o.description, o.checkin_attempt_time)
                   IS DISTINCT FROM (n.business_id, n.business_name, n.source, n.tariff, n.coworker_full_name, n.teams,
                       n.description, n.checkin_attempt_time)) THEN
            RETURN NULL;
        END IF;
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

CREATE OR REPLACE FUNCTION fc_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        -- Planned only when reached: an INSERT or DELETE has no old_rows
        -- or new_rows to name.
        IF NOT EXISTS (SELECT 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
                WHERE (o.business_id, o.business_name, o.source, o.tariff, o.coworker_full_name, o.teams,
                       o.description, o.checkin_attempt_time)
                   IS DISTINCT FROM (n.business_id, n.business_name, n.source, n.tariff, n.coworker_full_name, n.teams,
                       n.description, n.checkin_attempt_time)) THEN
            RETURN NULL;
        END IF;
    END IF;
    UPDATE fc_count_business AS c SET n = c.n - d.n
        FROM (SELECT business_id, business_name, count(*) AS n FROM old_rows GROUP BY business_id, business_name) AS d
        WHERE c.business_id = d.business_id AND c.business_name = d.business_name;
    DELETE FROM fc_count_business AS c USING (SELECT DISTINCT business_id, business_name FROM old_rows) AS d
        WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.n = 0;
    UPDATE fc_count_description AS c SET n = c.n - d.n
        FROM (SELECT description, count(*) AS n FROM old_rows GROUP BY description) AS d
        WHERE c.description = d.description;
    DELETE FROM fc_count_description AS c USING (SELECT DISTINCT description FROM old_rows) AS d
        WHERE c.description = d.description AND c.n = 0;
    UPDATE fc_count_source_tariff AS c SET n = c.n - d.n
        FROM (SELECT source, tariff, count(*) AS n FROM old_rows GROUP BY source, tariff) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff;
    DELETE FROM fc_count_source_tariff AS c USING (SELECT DISTINCT source, tariff FROM old_rows) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff AND c.n = 0;
    UPDATE fc_count_name AS c SET n = c.n - d.n
        FROM (SELECT coworker_full_name, count(*) AS n FROM old_rows GROUP BY coworker_full_name) AS d
        WHERE c.coworker_full_name = d.coworker_full_name;
    DELETE FROM fc_count_name AS c USING (SELECT DISTINCT coworker_full_name FROM old_rows) AS d
        WHERE c.coworker_full_name = d.coworker_full_name AND c.n = 0;
    UPDATE fc_count_teams AS c SET n = c.n - d.n
        FROM (SELECT teams, count(*) AS n FROM old_rows GROUP BY teams) AS d
        WHERE c.teams = d.teams;
    DELETE FROM fc_count_teams AS c USING (SELECT DISTINCT teams FROM old_rows) AS d
        WHERE c.teams = d.teams AND c.n = 0;
    UPDATE fc_count_business_day AS c SET n = c.n - d.n
        FROM (SELECT business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day, count(*) AS n FROM old_rows GROUP BY business_id, business_name, day) AS d
        WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.day = d.day;
    DELETE FROM fc_count_business_day AS c USING (SELECT DISTINCT business_id, business_name, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day FROM old_rows) AS d
        WHERE c.business_id = d.business_id AND c.business_name = d.business_name AND c.day = d.day AND c.n = 0;
    UPDATE fc_count_business_name AS c SET n = c.n - d.n
        FROM (SELECT business_id, coworker_full_name, count(*) AS n FROM old_rows GROUP BY business_id, coworker_full_name) AS d
        WHERE c.business_id = d.business_id AND c.coworker_full_name = d.coworker_full_name;
    DELETE FROM fc_count_business_name AS c USING (SELECT DISTINCT business_id, coworker_full_name FROM old_rows) AS d
        WHERE c.business_id = d.business_id AND c.coworker_full_name = d.coworker_full_name AND c.n = 0;
    UPDATE fc_count_business_day_source_description AS c SET n = c.n - d.n
        FROM (SELECT business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day, count(*) AS n FROM old_rows GROUP BY business_id, source, description, day) AS d
        WHERE c.business_id = d.business_id AND c.source = d.source AND c.description = d.description AND c.day = d.day;
    DELETE FROM fc_count_business_day_source_description AS c USING (SELECT DISTINCT business_id, source, description, floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint AS day FROM old_rows) AS d
        WHERE c.business_id = d.business_id AND c.source = d.source AND c.description = d.description AND c.day = d.day AND c.n = 0;
    RETURN NULL;
END
$$;

-- Triggers of one event fire in the order of their names: new rows first.
CREATE TRIGGER fc_count_updated_1_new AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_inserted();
CREATE TRIGGER fc_count_updated_2_old AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_removed();
