-- Records that can change (issue 12, item 4): a record may be deleted or
-- rewritten (anonymized, resolved) after it was written. Two things
-- assumed it never would:

-- 1. Ids are never given twice. A new Id is one past the largest Id ever
-- given (sqlstore.LargestIDSQL): the larger of max(id) and the high-water
-- mark below, which only a delete moves (it first raises the mark to
-- max(id)), so an insert pays nothing for it. Every writer gives Ids
-- explicitly from it: SQLite's own choice for a NULL rowid (the largest
-- + 1) would give a deleted Id again. Filled with today's largest Ids:
-- nothing was ever deleted before this migration.
CREATE TABLE record_ids (
    table_name TEXT    PRIMARY KEY,
    largest    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
INSERT INTO record_ids (table_name, largest) SELECT 'failed_checkins', coalesce(max(id), 0) FROM failed_checkins;
INSERT INTO record_ids (table_name, largest) SELECT 'checkins', coalesce(max(id), 0) FROM checkins;

-- 2. The rollups are decremented in Go where they are incremented
-- (sqlstore.RollupCounts.Remove), and a row whose count reaches 0 is
-- deleted, so the dictionaries shrink. The name trigrams of 0007 follow
-- fc_count_name: when a name's row goes, so do its trigrams (the same
-- trigrams fc_name_trigram_add listed for it; no other name shares a row).
CREATE TRIGGER fc_name_trigram_remove AFTER DELETE ON fc_count_name BEGIN
    DELETE FROM fc_name_trigram WHERE coworker_full_name = old.coworker_full_name AND trigram IN (
        SELECT substr(CAST(old.coworker_full_name_fold AS BLOB), key + 1, 3)
        FROM json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(old.coworker_full_name_fold AS BLOB)) - 2)), '00', '0,'), ',') || ']'));
END;
