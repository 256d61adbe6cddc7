-- Records that can change (issue 12, item 4): a record may be deleted or
-- rewritten (anonymized, resolved) after it was written. Two things
-- assumed it never would:

-- 1. Ids are never given twice. A new Id is one past the largest Id ever
-- given (sqlstore.LargestIDSQL): the larger of max(id) and the high-water
-- mark below, which only a delete moves (it first raises the mark to
-- max(id)), so an insert pays nothing for it. Filled with today's largest
-- Ids: nothing was ever deleted before this migration.
CREATE TABLE record_ids (
    table_name text   COLLATE "C" PRIMARY KEY,
    largest    bigint NOT NULL
);
INSERT INTO record_ids (table_name, largest) SELECT 'failed_checkins', coalesce(max(id), 0) FROM failed_checkins;
INSERT INTO record_ids (table_name, largest) SELECT 'checkins', coalesce(max(id), 0) FROM checkins;

-- 2. The counts of migrations 0006 and 0007 follow deletes and updates as
-- they follow inserts: the rows a statement deleted are subtracted from
-- every rollup (sqlstore.Rollups, same tables and keys as
-- fc_count_inserted), and a row whose count reaches 0 goes, so the
-- dictionaries (the distinct values of a field) shrink too. An update
-- counts its new rows (fc_count_inserted on the new versions), then
-- subtracts its old ones: an unchanged key goes up and back down within
-- the statement, a changed one moves. Transition tables rule out a column
-- list on the trigger, so every update fires them; they are rare
-- (anonymization, resolution), an insert pays nothing.
CREATE FUNCTION fc_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
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

CREATE TRIGGER fc_count_deleted AFTER DELETE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_removed();
-- Triggers of one event fire in the order of their names: new rows first.
CREATE TRIGGER fc_count_updated_1_new AFTER UPDATE ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_inserted();
CREATE TRIGGER fc_count_updated_2_old AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_removed();
