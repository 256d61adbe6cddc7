-- The dictionary of the MAC addresses (issue 17): every distinct
-- MacAddresses list with its folded copy and the number of records that
-- hold it, one of sqlstore.Rollups, kept like the others by statement
-- triggers (its own three, so that the functions of 0011 and 0017 stay as
-- they are): an insert adds, a delete subtracts and removes the lists that
-- reach 0, an update that moves a list does both; an import counts in Go
-- instead (failedcheckins.bulk_counts, postgres/rollup.go). A substring
-- of the MAC addresses is then counted, and answered 0, from its 62,297
-- rows at 1M records instead of the records. Built afresh from the
-- records (tests that take a migration back run it again).
DROP TRIGGER IF EXISTS fc_count_mac_inserted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_mac_deleted ON failed_checkins;
DROP TRIGGER IF EXISTS fc_count_mac_updated ON failed_checkins;
DROP TABLE IF EXISTS fc_count_mac;
CREATE TABLE fc_count_mac (
    mac_addresses text COLLATE "C" NOT NULL,
    mac_addresses_fold text COLLATE "C" NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (mac_addresses)
);
INSERT INTO fc_count_mac (mac_addresses, mac_addresses_fold, n)
    SELECT mac_addresses, max(mac_addresses_fold), count(*) FROM failed_checkins GROUP BY mac_addresses;

CREATE OR REPLACE FUNCTION fc_count_mac_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('failedcheckins.bulk_counts', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO fc_count_mac (mac_addresses, mac_addresses_fold, n)
        SELECT mac_addresses, max(mac_addresses_fold), count(*) FROM new_rows GROUP BY mac_addresses
        ON CONFLICT (mac_addresses) DO UPDATE SET n = fc_count_mac.n + excluded.n;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION fc_count_mac_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fc_count_mac AS c SET n = c.n - d.n
        FROM (SELECT mac_addresses, count(*) AS n FROM old_rows GROUP BY mac_addresses) AS d
        WHERE c.mac_addresses = d.mac_addresses;
    DELETE FROM fc_count_mac AS c USING (SELECT DISTINCT mac_addresses FROM old_rows) AS d
        WHERE c.mac_addresses = d.mac_addresses AND c.n = 0;
    RETURN NULL;
END
$$;

-- An update that moves no list (a resolution, most changes) counts
-- nothing; one that does (an anonymization) adds the new lists, then
-- subtracts the old ones, as fc_count_updated does for the others.
CREATE OR REPLACE FUNCTION fc_count_mac_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id
            WHERE o.mac_addresses IS DISTINCT FROM n.mac_addresses) THEN
        RETURN NULL;
    END IF;
    INSERT INTO fc_count_mac (mac_addresses, mac_addresses_fold, n)
        SELECT mac_addresses, max(mac_addresses_fold), count(*) FROM new_rows GROUP BY mac_addresses
        ON CONFLICT (mac_addresses) DO UPDATE SET n = fc_count_mac.n + excluded.n;
    UPDATE fc_count_mac AS c SET n = c.n - d.n
        FROM (SELECT mac_addresses, count(*) AS n FROM old_rows GROUP BY mac_addresses) AS d
        WHERE c.mac_addresses = d.mac_addresses;
    DELETE FROM fc_count_mac AS c USING (SELECT DISTINCT mac_addresses FROM old_rows) AS d
        WHERE c.mac_addresses = d.mac_addresses AND c.n = 0;
    RETURN NULL;
END
$$;

CREATE TRIGGER fc_count_mac_inserted AFTER INSERT ON failed_checkins
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_mac_inserted();
CREATE TRIGGER fc_count_mac_deleted AFTER DELETE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_mac_removed();
CREATE TRIGGER fc_count_mac_updated AFTER UPDATE ON failed_checkins
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION fc_count_mac_updated();
