-- The dictionary of the MAC addresses (issue 17): every distinct
-- MacAddresses list with its folded copy and the number of records that
-- hold it, one of sqlstore.Rollups (the store keeps it in every write's
-- transaction, as fc_count_teams and fc_count_name). A substring of the
-- MAC addresses was tested on the 350,000 non-empty entries of
-- failed_checkins_mac_addresses at 1M records (40-160 ms); the dictionary
-- holds 62,297 lists, and its exact sums count such a search and list the
-- few records that hold a needle (sqlstore/selective.go). Built afresh
-- from the records, so running it again on existing records (a test that
-- takes a migration back) rebuilds it exactly.
DROP TABLE IF EXISTS fc_count_mac;
CREATE TABLE fc_count_mac (
    mac_addresses TEXT NOT NULL,
    mac_addresses_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (mac_addresses)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_mac (mac_addresses, mac_addresses_fold, n)
    SELECT mac_addresses, max(mac_addresses_fold), count(*) FROM failed_checkins GROUP BY mac_addresses;
