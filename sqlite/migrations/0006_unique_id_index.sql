-- The uniqueness of failed_checkins.unique_id becomes a named index,
-- failed_checkins_unique_id, instead of the UNIQUE column constraint of
-- 0001, whose automatic index SQLite never lets anyone drop. A first import
-- into an empty table (sqlite/bulk.go) can then drop it with the other
-- indexes and build it once from the loaded rows, as a sort, instead of
-- inserting millions of random UUIDs into it one by one.
--
-- The two indexes are the same b-tree: (unique_id, rowid) entries in the
-- BINARY collation, aborting a statement that would add a second entry for
-- one unique_id. So instead of rebuilding the table (minutes at 10M rows),
-- this rewrites only the two schema rows: the table's text loses UNIQUE and
-- the automatic index's row gets a name and its CREATE statement; the
-- index keeps its root page and contents. sqlite/migrate.go runs it with
-- PRAGMA writable_schema on, increments the schema version (so every
-- connection reloads the schema) and checks the result before committing.
UPDATE sqlite_schema
SET sql = replace(sql, 'unique_id                  TEXT    NOT NULL UNIQUE,', 'unique_id                  TEXT    NOT NULL,')
WHERE type = 'table' AND name = 'failed_checkins';

UPDATE sqlite_schema
SET name = 'failed_checkins_unique_id',
    sql = 'CREATE UNIQUE INDEX failed_checkins_unique_id ON failed_checkins (unique_id)'
WHERE type = 'index' AND name = 'sqlite_autoindex_failed_checkins_1' AND tbl_name = 'failed_checkins';
