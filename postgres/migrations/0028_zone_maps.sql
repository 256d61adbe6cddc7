-- Zone maps (issue 17, the counts of large ranges), SQLite's 0021 on
-- PostgreSQL: per block of Ids, the number of records and the smallest and
-- largest of each time a range can test (CheckinAttemptTime, its local wall
-- clock read as UTC, CreatedOn, UpdatedOn), in Unix seconds. A count whose
-- conditions are only such ranges (and locations) sums the blocks inside
-- every range and counts the records of the few blocks a range cuts
-- (sqlstore/zone.go): an Id or time range over 700,000 records otherwise
-- reads 700,000 index entries or records. fc_zone is every location's, by
-- 1,024 Ids; fc_zone_business one location's, by 16,384 Ids. The bounds
-- only widen (a deleted or rewritten record leaves them), which keeps every
-- count exact: they hold every value of the block's records.
--
-- Unlike the other rollups these are kept by the triggers alone, the
-- store's own inserts included (no WHEN on failedcheckins.bulk_counts):
-- the Go counts of an import or a check-in batch (RollupCounts.FlushColumns)
-- carry no bounds, and every update widens the UpdatedOn bounds (a
-- resolution of refusals, a change), which only the update trigger sees.
-- An insert or an update adds its new rows (the count and the widened
-- bounds); a delete or an update subtracts its old rows, and a block that
-- reaches 0 goes. Built afresh from the records, the records locked
-- against writes first as in 0026.
LOCK TABLE failed_checkins IN SHARE ROW EXCLUSIVE MODE;
DROP TRIGGER IF EXISTS fc_zone_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_zone_deleted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_zone_updated ON failed_checkins;
DROP TABLE IF EXISTS fc_zone;
DROP TABLE IF EXISTS fc_zone_business;
CREATE TABLE fc_zone (
    id_block bigint NOT NULL,
    checkin_attempt_time_min bigint NOT NULL,
    checkin_attempt_time_max bigint NOT NULL,
    checkin_attempt_time_local_min bigint NOT NULL,
    checkin_attempt_time_local_max bigint NOT NULL,
    created_on_min bigint NOT NULL,
    created_on_max bigint NOT NULL,
    updated_on_min bigint NOT NULL,
    updated_on_max bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (id_block)
);
CREATE TABLE fc_zone_business (
    business_id bigint NOT NULL,
    id_block bigint NOT NULL,
    checkin_attempt_time_min bigint NOT NULL,
    checkin_attempt_time_max bigint NOT NULL,
    checkin_attempt_time_local_min bigint NOT NULL,
    checkin_attempt_time_local_max bigint NOT NULL,
    created_on_min bigint NOT NULL,
    created_on_max bigint NOT NULL,
    updated_on_min bigint NOT NULL,
    updated_on_max bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, id_block)
);
-- A bound is a whole second: the smallest value rounded down, the largest
-- rounded up (imported times are whole seconds, the check-in pipeline's
-- CreatedOn and UpdatedOn keep microseconds), so that the bounds hold
-- every value; a search's bounds are whole seconds too (CeilUnix).
INSERT INTO fc_zone
    SELECT (id >> 10),
        floor(extract(epoch FROM min(checkin_attempt_time)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time)))::bigint,
        floor(extract(epoch FROM min(checkin_attempt_time_local)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time_local)))::bigint,
        floor(extract(epoch FROM min(created_on)))::bigint, ceil(extract(epoch FROM max(created_on)))::bigint,
        floor(extract(epoch FROM min(updated_on)))::bigint, ceil(extract(epoch FROM max(updated_on)))::bigint, count(*)
    FROM failed_checkins GROUP BY 1;
INSERT INTO fc_zone_business
    SELECT business_id, (id >> 14),
        floor(extract(epoch FROM min(checkin_attempt_time)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time)))::bigint,
        floor(extract(epoch FROM min(checkin_attempt_time_local)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time_local)))::bigint,
        floor(extract(epoch FROM min(created_on)))::bigint, ceil(extract(epoch FROM max(created_on)))::bigint,
        floor(extract(epoch FROM min(updated_on)))::bigint, ceil(extract(epoch FROM max(updated_on)))::bigint, count(*)
    FROM failed_checkins GROUP BY 1, 2;

-- The zone maps' per-value counts (SQLite's 0023): per block (and
-- location) and Source, tariff or description, the number of records. A
-- range beside conditions on one of those fields sums the values' counts
-- of the blocks inside every range (zonePlan.values): r069, a tariff
-- substring before a local time, counted 41,130 of 1M records one by one.
DROP TABLE IF EXISTS fc_zone_source;
DROP TABLE IF EXISTS fc_zone_tariff;
DROP TABLE IF EXISTS fc_zone_description;
DROP TABLE IF EXISTS fc_zone_business_source;
DROP TABLE IF EXISTS fc_zone_business_tariff;
DROP TABLE IF EXISTS fc_zone_business_description;
CREATE TABLE fc_zone_source (
    source bigint NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (source, id_block)
);
CREATE TABLE fc_zone_tariff (
    tariff text COLLATE "C" NOT NULL,
    tariff_fold text COLLATE "C" NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (tariff, id_block)
);
CREATE TABLE fc_zone_description (
    description text COLLATE "C" NOT NULL,
    description_fold text COLLATE "C" NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (description, id_block)
);
CREATE TABLE fc_zone_business_source (
    business_id bigint NOT NULL,
    source bigint NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, source, id_block)
);
CREATE TABLE fc_zone_business_tariff (
    business_id bigint NOT NULL,
    tariff text COLLATE "C" NOT NULL,
    tariff_fold text COLLATE "C" NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, tariff, id_block)
);
CREATE TABLE fc_zone_business_description (
    business_id bigint NOT NULL,
    description text COLLATE "C" NOT NULL,
    description_fold text COLLATE "C" NOT NULL,
    id_block bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (business_id, description, id_block)
);
INSERT INTO fc_zone_source (source, id_block, n)
    SELECT source, (id >> 10), count(*) FROM failed_checkins GROUP BY 1, 2;
INSERT INTO fc_zone_tariff (tariff, tariff_fold, id_block, n)
    SELECT tariff, max(tariff_fold), (id >> 10), count(*) FROM failed_checkins GROUP BY 1, 3;
INSERT INTO fc_zone_description (description, description_fold, id_block, n)
    SELECT description, max(description_fold), (id >> 10), count(*) FROM failed_checkins GROUP BY 1, 3;
INSERT INTO fc_zone_business_source (business_id, source, id_block, n)
    SELECT business_id, source, (id >> 14), count(*) FROM failed_checkins GROUP BY 1, 2, 3;
INSERT INTO fc_zone_business_tariff (business_id, tariff, tariff_fold, id_block, n)
    SELECT business_id, tariff, max(tariff_fold), (id >> 14), count(*) FROM failed_checkins GROUP BY 1, 2, 4;
INSERT INTO fc_zone_business_description (business_id, description, description_fold, id_block, n)
    SELECT business_id, description, max(description_fold), (id >> 14), count(*) FROM failed_checkins GROUP BY 1, 2, 4;

-- One function for the three triggers: new_rows (an insert, an update)
-- are added, old_rows (a delete, an update) subtracted. PL/pgSQL plans a
-- statement when it first runs it, so the branch naming a transition
-- table the trigger lacks is never planned. The keys are written in
-- order, like the other rollups' upserts.
CREATE OR REPLACE FUNCTION fc_zone_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    moved boolean;
BEGIN
    -- A statement that changed no row (a resolution's UPDATE that matched
    -- none, most of them) returns at once: the upserts below cost about
    -- 0.1 ms even over empty transition tables (review of wt-F: 2,000
    -- such UPDATEs 204-228 ms against 16 without the triggers).
    IF TG_OP = 'DELETE' THEN
        IF NOT EXISTS (SELECT 1 FROM old_rows) THEN
            RETURN NULL;
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM new_rows) THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO fc_zone AS z
            SELECT (id >> 10),
                floor(extract(epoch FROM min(checkin_attempt_time)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time)))::bigint,
                floor(extract(epoch FROM min(checkin_attempt_time_local)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time_local)))::bigint,
                floor(extract(epoch FROM min(created_on)))::bigint, ceil(extract(epoch FROM max(created_on)))::bigint,
                floor(extract(epoch FROM min(updated_on)))::bigint, ceil(extract(epoch FROM max(updated_on)))::bigint, count(*)
            FROM new_rows GROUP BY 1 ORDER BY 1
            ON CONFLICT (id_block) DO UPDATE SET n = z.n + excluded.n,
                checkin_attempt_time_min = LEAST(z.checkin_attempt_time_min, excluded.checkin_attempt_time_min),
                checkin_attempt_time_max = GREATEST(z.checkin_attempt_time_max, excluded.checkin_attempt_time_max),
                checkin_attempt_time_local_min = LEAST(z.checkin_attempt_time_local_min, excluded.checkin_attempt_time_local_min),
                checkin_attempt_time_local_max = GREATEST(z.checkin_attempt_time_local_max, excluded.checkin_attempt_time_local_max),
                created_on_min = LEAST(z.created_on_min, excluded.created_on_min),
                created_on_max = GREATEST(z.created_on_max, excluded.created_on_max),
                updated_on_min = LEAST(z.updated_on_min, excluded.updated_on_min),
                updated_on_max = GREATEST(z.updated_on_max, excluded.updated_on_max);
        INSERT INTO fc_zone_business AS z
            SELECT business_id, (id >> 14),
                floor(extract(epoch FROM min(checkin_attempt_time)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time)))::bigint,
                floor(extract(epoch FROM min(checkin_attempt_time_local)))::bigint, ceil(extract(epoch FROM max(checkin_attempt_time_local)))::bigint,
                floor(extract(epoch FROM min(created_on)))::bigint, ceil(extract(epoch FROM max(created_on)))::bigint,
                floor(extract(epoch FROM min(updated_on)))::bigint, ceil(extract(epoch FROM max(updated_on)))::bigint, count(*)
            FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
            ON CONFLICT (business_id, id_block) DO UPDATE SET n = z.n + excluded.n,
                checkin_attempt_time_min = LEAST(z.checkin_attempt_time_min, excluded.checkin_attempt_time_min),
                checkin_attempt_time_max = GREATEST(z.checkin_attempt_time_max, excluded.checkin_attempt_time_max),
                checkin_attempt_time_local_min = LEAST(z.checkin_attempt_time_local_min, excluded.checkin_attempt_time_local_min),
                checkin_attempt_time_local_max = GREATEST(z.checkin_attempt_time_local_max, excluded.checkin_attempt_time_local_max),
                created_on_min = LEAST(z.created_on_min, excluded.created_on_min),
                created_on_max = GREATEST(z.created_on_max, excluded.created_on_max),
                updated_on_min = LEAST(z.updated_on_min, excluded.updated_on_min),
                updated_on_max = GREATEST(z.updated_on_max, excluded.updated_on_max);
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE fc_zone AS z SET n = z.n - d.n
            FROM (SELECT (id >> 10) AS id_block, count(*) AS n FROM old_rows GROUP BY 1) AS d
            WHERE z.id_block = d.id_block;
        DELETE FROM fc_zone AS z
            USING (SELECT DISTINCT (id >> 10) AS id_block FROM old_rows) AS d
            WHERE z.id_block = d.id_block AND z.n <= 0;
        UPDATE fc_zone_business AS z SET n = z.n - d.n
            FROM (SELECT business_id, (id >> 14) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2) AS d
            WHERE z.business_id = d.business_id AND z.id_block = d.id_block;
        DELETE FROM fc_zone_business AS z
            USING (SELECT DISTINCT business_id, (id >> 14) AS id_block FROM old_rows) AS d
            WHERE z.business_id = d.business_id AND z.id_block = d.id_block AND z.n <= 0;
    END IF;
    -- The value counts move only when an update moves a record between
    -- keys (a change of Source, tariff, description, location or Id):
    -- a resolution moves none. Equal multisets of keys move nothing.
    -- (Its own statement: the expression naming both transition tables is
    -- planned only for an update.)
    moved := TG_OP <> 'UPDATE';
    IF NOT moved THEN
        moved := EXISTS (SELECT id, business_id, source, tariff, description FROM old_rows
            EXCEPT ALL SELECT id, business_id, source, tariff, description FROM new_rows);
    END IF;
    IF moved THEN
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO fc_zone_source AS z (source, id_block, n)
                SELECT source, (id >> 10), count(*) FROM new_rows GROUP BY 1, 2 ORDER BY 1, 2
                ON CONFLICT (source, id_block) DO UPDATE SET n = z.n + excluded.n;
            INSERT INTO fc_zone_tariff AS z (tariff, tariff_fold, id_block, n)
                SELECT tariff, max(tariff_fold), (id >> 10), count(*) FROM new_rows GROUP BY 1, 3 ORDER BY 1, 3
                ON CONFLICT (tariff, id_block) DO UPDATE SET n = z.n + excluded.n;
            INSERT INTO fc_zone_description AS z (description, description_fold, id_block, n)
                SELECT description, max(description_fold), (id >> 10), count(*) FROM new_rows GROUP BY 1, 3 ORDER BY 1, 3
                ON CONFLICT (description, id_block) DO UPDATE SET n = z.n + excluded.n;
            INSERT INTO fc_zone_business_source AS z (business_id, source, id_block, n)
                SELECT business_id, source, (id >> 14), count(*) FROM new_rows GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
                ON CONFLICT (business_id, source, id_block) DO UPDATE SET n = z.n + excluded.n;
            INSERT INTO fc_zone_business_tariff AS z (business_id, tariff, tariff_fold, id_block, n)
                SELECT business_id, tariff, max(tariff_fold), (id >> 14), count(*) FROM new_rows GROUP BY 1, 2, 4 ORDER BY 1, 2, 4
                ON CONFLICT (business_id, tariff, id_block) DO UPDATE SET n = z.n + excluded.n;
            INSERT INTO fc_zone_business_description AS z (business_id, description, description_fold, id_block, n)
                SELECT business_id, description, max(description_fold), (id >> 14), count(*) FROM new_rows GROUP BY 1, 2, 4 ORDER BY 1, 2, 4
                ON CONFLICT (business_id, description, id_block) DO UPDATE SET n = z.n + excluded.n;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE fc_zone_source AS z SET n = z.n - d.n
                FROM (SELECT source, (id >> 10) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2) AS d
                WHERE z.source = d.source AND z.id_block = d.id_block;
            DELETE FROM fc_zone_source AS z
                USING (SELECT DISTINCT source, (id >> 10) AS id_block FROM old_rows) AS d
                WHERE z.source = d.source AND z.id_block = d.id_block AND z.n <= 0;
            UPDATE fc_zone_tariff AS z SET n = z.n - d.n
                FROM (SELECT tariff, (id >> 10) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2) AS d
                WHERE z.tariff = d.tariff AND z.id_block = d.id_block;
            DELETE FROM fc_zone_tariff AS z
                USING (SELECT DISTINCT tariff, (id >> 10) AS id_block FROM old_rows) AS d
                WHERE z.tariff = d.tariff AND z.id_block = d.id_block AND z.n <= 0;
            UPDATE fc_zone_description AS z SET n = z.n - d.n
                FROM (SELECT description, (id >> 10) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2) AS d
                WHERE z.description = d.description AND z.id_block = d.id_block;
            DELETE FROM fc_zone_description AS z
                USING (SELECT DISTINCT description, (id >> 10) AS id_block FROM old_rows) AS d
                WHERE z.description = d.description AND z.id_block = d.id_block AND z.n <= 0;
            UPDATE fc_zone_business_source AS z SET n = z.n - d.n
                FROM (SELECT business_id, source, (id >> 14) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) AS d
                WHERE z.business_id = d.business_id AND z.source = d.source AND z.id_block = d.id_block;
            DELETE FROM fc_zone_business_source AS z
                USING (SELECT DISTINCT business_id, source, (id >> 14) AS id_block FROM old_rows) AS d
                WHERE z.business_id = d.business_id AND z.source = d.source AND z.id_block = d.id_block AND z.n <= 0;
            UPDATE fc_zone_business_tariff AS z SET n = z.n - d.n
                FROM (SELECT business_id, tariff, (id >> 14) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) AS d
                WHERE z.business_id = d.business_id AND z.tariff = d.tariff AND z.id_block = d.id_block;
            DELETE FROM fc_zone_business_tariff AS z
                USING (SELECT DISTINCT business_id, tariff, (id >> 14) AS id_block FROM old_rows) AS d
                WHERE z.business_id = d.business_id AND z.tariff = d.tariff AND z.id_block = d.id_block AND z.n <= 0;
            UPDATE fc_zone_business_description AS z SET n = z.n - d.n
                FROM (SELECT business_id, description, (id >> 14) AS id_block, count(*) AS n FROM old_rows GROUP BY 1, 2, 3) AS d
                WHERE z.business_id = d.business_id AND z.description = d.description AND z.id_block = d.id_block;
            DELETE FROM fc_zone_business_description AS z
                USING (SELECT DISTINCT business_id, description, (id >> 14) AS id_block FROM old_rows) AS d
                WHERE z.business_id = d.business_id AND z.description = d.description AND z.id_block = d.id_block AND z.n <= 0;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER fc_zone_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_zone_changed();
CREATE TRIGGER fc_zone_deleted AFTER DELETE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_zone_changed();
CREATE TRIGGER fc_zone_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_zone_changed();

-- Statistics for the planner now, not at autovacuum's next round: the
-- counts join these tables to the records' ranges.
ANALYZE fc_zone, fc_zone_business, fc_zone_source, fc_zone_tariff, fc_zone_description,
    fc_zone_business_source, fc_zone_business_tariff, fc_zone_business_description;
