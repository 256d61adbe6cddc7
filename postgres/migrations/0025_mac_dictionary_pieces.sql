-- The MAC dictionary's lists found by a piece of a needle (issue 17). A
-- substring of the MAC addresses is seeked through the dictionary of 0023
-- (sqlstore's arrayDictionaryTerm): its lists holding the needle, then
-- their records by equality. The dictionary itself was scanned for it,
-- 62,297 lists at 1M records, 15-35 ms at each of the two or three
-- statements of a search. pg_trgm (0003) takes only letters and digits
-- into its trigrams, and a MAC list's words are its two-digit octets,
-- which most trigrams of a needle then share with thousands of lists; the
-- lists without their colons are words of twelve digits (a list's MACs
-- stay apart at ", "), whose trigrams are as rare as SQLite's four-byte
-- pieces (0024 there). A value holding a needle holds the needle without
-- its colons, so the search tests that on this index first and the needle
-- itself on what it finds: the same lists.
CREATE INDEX IF NOT EXISTS fc_count_mac_pieces ON fc_count_mac USING gin (replace(mac_addresses_fold, ':', '') gin_trgm_ops);
-- Its statistics for the planner at once (the lists without colons are an expression of their own).
ANALYZE fc_count_mac;
