-- The records of each Source, tariff and description together (issue 17:
-- counts of two or more fields of few values at once), one of
-- sqlstore.Rollups, kept like fc_count_mac (0023) by its own three
-- statement triggers, so that the functions of 0011 and 0017 stay as they
-- are: an insert adds, a delete subtracts and removes the keys that reach
-- 0, an update that moves a key does both; an import or a check-in batch
-- counts in Go instead (failedcheckins.bulk_counts, the insert trigger's
-- WHEN as in 0024). A search whose conditions test only these three fields
-- (a tariff and a description, say) is counted from its 1,808 rows at 1M
-- records instead of from the records. Built afresh from the records
-- (tests that take a migration back run it again). The records are locked
-- against writes first (reads go on): until the triggers exist a write
-- would be missed by both the build and the triggers, and the counts would
-- stay wrong (2.2 s at 1M records).
LOCK TABLE failed_checkins IN SHARE ROW EXCLUSIVE MODE;
DROP TRIGGER IF EXISTS fc_count_values_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_values_deleted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_values_updated ON failed_checkins;
DROP TABLE IF EXISTS fc_count_source_tariff_description;
CREATE TABLE fc_count_source_tariff_description (
    source bigint NOT NULL,
    tariff text COLLATE "C" NOT NULL,
    tariff_fold text COLLATE "C" NOT NULL,
    description text COLLATE "C" NOT NULL,
    description_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (source, tariff, description)
);
INSERT INTO fc_count_source_tariff_description (source, tariff, tariff_fold, description, description_fold, n)
    SELECT source, tariff, max(tariff_fold), description, max(description_fold), count(*) FROM failed_checkins
    GROUP BY source, tariff, description;

CREATE OR REPLACE FUNCTION fc_count_values_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('failedcheckins.bulk_counts', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO fc_count_source_tariff_description (source, tariff, tariff_fold, description, description_fold, n)
        SELECT source, tariff, max(tariff_fold), description, max(description_fold), count(*) FROM new_rows
        GROUP BY source, tariff, description
        ON CONFLICT (source, tariff, description) DO UPDATE SET n = fc_count_source_tariff_description.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION fc_count_values_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fc_count_source_tariff_description AS c SET n = c.n - d.n
        FROM (SELECT source, tariff, description, count(*) AS n FROM old_rows GROUP BY source, tariff, description) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff AND c.description = d.description;
    DELETE FROM fc_count_source_tariff_description AS c
        USING (SELECT DISTINCT source, tariff, description FROM old_rows) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff AND c.description = d.description AND c.n = 0;
    RETURN NULL;
END
$$;

-- An update that moves no key (a resolution, an anonymization, most
-- changes) counts nothing; one that does (a change of Source, tariff or
-- description) adds the new keys, then subtracts the old ones.
CREATE OR REPLACE FUNCTION fc_count_values_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE (o.source, o.tariff, o.description) IS DISTINCT FROM (n.source, n.tariff, n.description)) THEN
        RETURN NULL;
    END IF;
    INSERT INTO fc_count_source_tariff_description (source, tariff, tariff_fold, description, description_fold, n)
        SELECT source, tariff, max(tariff_fold), description, max(description_fold), count(*) FROM new_rows
        GROUP BY source, tariff, description
        ON CONFLICT (source, tariff, description) DO UPDATE SET n = fc_count_source_tariff_description.n + excluded.n;
    UPDATE fc_count_source_tariff_description AS c SET n = c.n - d.n
        FROM (SELECT source, tariff, description, count(*) AS n FROM old_rows GROUP BY source, tariff, description) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff AND c.description = d.description;
    DELETE FROM fc_count_source_tariff_description AS c
        USING (SELECT DISTINCT source, tariff, description FROM old_rows) AS d
        WHERE c.source = d.source AND c.tariff = d.tariff AND c.description = d.description AND c.n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER fc_count_values_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    WHEN (current_setting('failedcheckins.bulk_counts', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION fc_count_values_inserted();
CREATE TRIGGER fc_count_values_deleted AFTER DELETE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_values_removed();
CREATE TRIGGER fc_count_values_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_values_updated();
