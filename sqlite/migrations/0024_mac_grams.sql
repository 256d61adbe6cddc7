-- The four-byte pieces of the MAC address lists (issue 17): a substring
-- of the MAC addresses scanned all 62,297 lists of fc_count_mac (0022) at
-- 1M records, 6-18 ms, two or three times a search. A needle of four bytes
-- or more is found in the lists listed under its rarest piece (about 130
-- of a hexadecimal piece such as 'e0:4', 2,000 of ':88:'), then tested
-- on each, so the answer stays exact (sqlstore/trigram.go). Four bytes,
-- not three as for the names (0007): the lists are hexadecimal digits and
-- colons, so each three-byte piece lists 2,000-2,500 lists, too many to
-- help. Bytes of the folded copy, so the needle's pieces (cut in Go)
-- agree; every list is listed under every piece of its folded copy, so no
-- match is missed.
--
-- The pieces name a list by a small integer (fc_mac_list) rather than by
-- its text: about 2M rows at 1M records, 28 MB this way, 117 MB with the
-- text. fc_mac_list holds one row per row of fc_count_mac, and both
-- follow it by triggers, in the same transaction: a list is added when
-- fc_count_mac gains its row (an upsert that only adds to n does not fire
-- it) and removed with that row. Built afresh from fc_count_mac, so
-- running it again rebuilds both tables exactly.
DROP TABLE IF EXISTS fc_mac_gram;
DROP TABLE IF EXISTS fc_mac_list;
CREATE TABLE fc_mac_list (
    id INTEGER PRIMARY KEY,
    mac_addresses TEXT NOT NULL UNIQUE,
    mac_addresses_fold TEXT NOT NULL
) STRICT;
CREATE TABLE fc_mac_gram (
    gram BLOB NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (gram, id)
) STRICT, WITHOUT ROWID;

-- json_each over "[0,0,...]" (length - 3 elements) numbers the pieces'
-- start offsets: a trigger may not use a WITH clause.
DROP TRIGGER IF EXISTS fc_mac_gram_add;
CREATE TRIGGER fc_mac_gram_add AFTER INSERT ON fc_count_mac BEGIN
    INSERT INTO fc_mac_list (mac_addresses, mac_addresses_fold) VALUES (new.mac_addresses, new.mac_addresses_fold);
    INSERT OR IGNORE INTO fc_mac_gram (gram, id)
        SELECT substr(CAST(new.mac_addresses_fold AS BLOB), key + 1, 4), (SELECT id FROM fc_mac_list WHERE mac_addresses = new.mac_addresses)
        FROM json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(new.mac_addresses_fold AS BLOB)) - 3)), '00', '0,'), ',') || ']');
END;

DROP TRIGGER IF EXISTS fc_mac_gram_remove;
CREATE TRIGGER fc_mac_gram_remove AFTER DELETE ON fc_count_mac BEGIN
    DELETE FROM fc_mac_gram WHERE id = (SELECT id FROM fc_mac_list WHERE mac_addresses = old.mac_addresses) AND gram IN (
        SELECT substr(CAST(old.mac_addresses_fold AS BLOB), key + 1, 4)
        FROM json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(old.mac_addresses_fold AS BLOB)) - 3)), '00', '0,'), ',') || ']'));
    DELETE FROM fc_mac_list WHERE mac_addresses = old.mac_addresses;
END;

-- Filled in the pieces' order: inserted in the lists' order, 2M rows
-- land all over the table's pages.
INSERT INTO fc_mac_list (mac_addresses, mac_addresses_fold) SELECT mac_addresses, mac_addresses_fold FROM fc_count_mac;
INSERT OR IGNORE INTO fc_mac_gram (gram, id)
    SELECT substr(CAST(l.mac_addresses_fold AS BLOB), key + 1, 4) AS g, l.id
    FROM fc_mac_list AS l,
        json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(l.mac_addresses_fold AS BLOB)) - 3)), '00', '0,'), ',') || ']')
    ORDER BY g, l.id;
