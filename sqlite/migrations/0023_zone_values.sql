-- Per-value counts of the zone maps' rows (issue 17, counts of
-- conjunctions no rollup held): per block of 1,024 Ids (fc_zone's
-- id_block), and per location and block of 16,384 Ids (fc_zone_business's
-- key), the number of records of each Source, each tariff and each
-- description. A count whose conditions are a zone map's ranges, its
-- locations and conditions on one of these fields sums, over the zone
-- map's rows that lie wholly inside every range, their counts of the
-- matching values, and counts the records of the few blocks a range cuts
-- (sqlstore/zone.go): a tariff substring with an UpdatedOn range read
-- every matching record (150-550 ms at 1M records). Exact counts, kept
-- by the store in every write's transaction like the other rollups (an
-- insert adds, a delete subtracts, a rewrite moves its record, a row that
-- reaches 0 goes). Built afresh from the records, so running it again on
-- existing records (a test that takes a migration back) rebuilds them.
DROP TABLE IF EXISTS fc_zone_source;
DROP TABLE IF EXISTS fc_zone_tariff;
DROP TABLE IF EXISTS fc_zone_description;
DROP TABLE IF EXISTS fc_zone_business_source;
DROP TABLE IF EXISTS fc_zone_business_tariff;
DROP TABLE IF EXISTS fc_zone_business_description;
CREATE TABLE fc_zone_source (
    source INTEGER NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (source, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_source (source, id_block, n)
    SELECT source, id / 1024, count(*) FROM failed_checkins GROUP BY source, id / 1024;

CREATE TABLE fc_zone_tariff (
    tariff TEXT NOT NULL,
    tariff_fold TEXT NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (tariff, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_tariff (tariff, tariff_fold, id_block, n)
    SELECT tariff, max(tariff_fold), id / 1024, count(*) FROM failed_checkins GROUP BY tariff, id / 1024;

CREATE TABLE fc_zone_description (
    description TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (description, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_description (description, description_fold, id_block, n)
    SELECT description, max(description_fold), id / 1024, count(*) FROM failed_checkins GROUP BY description, id / 1024;

CREATE TABLE fc_zone_business_source (
    business_id INTEGER NOT NULL,
    source INTEGER NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, source, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_business_source (business_id, source, id_block, n)
    SELECT business_id, source, id / 16384, count(*) FROM failed_checkins GROUP BY business_id, source, id / 16384;

CREATE TABLE fc_zone_business_tariff (
    business_id INTEGER NOT NULL,
    tariff TEXT NOT NULL,
    tariff_fold TEXT NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, tariff, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_business_tariff (business_id, tariff, tariff_fold, id_block, n)
    SELECT business_id, tariff, max(tariff_fold), id / 16384, count(*) FROM failed_checkins GROUP BY business_id, tariff, id / 16384;

CREATE TABLE fc_zone_business_description (
    business_id INTEGER NOT NULL,
    description TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    id_block INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (business_id, description, id_block)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_zone_business_description (business_id, description, description_fold, id_block, n)
    SELECT business_id, description, max(description_fold), id / 16384, count(*) FROM failed_checkins GROUP BY business_id, description, id / 16384;
