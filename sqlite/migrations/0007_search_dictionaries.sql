-- Faster exact totals for substring filters (issue 6, q2 and q3 of the
-- bench README). See sqlbuild's dictionaries and trigramTables.

-- The distinct descriptions and their counts: a rollup (sqlbuild.Rollups)
-- and the dictionary of Description, so a description substring on
-- fc_count_business_day_source_description becomes
-- "description IN (the matching descriptions)", which its primary key
-- seeks on, instead of a substring test on every row of a location.
CREATE TABLE fc_count_description (
    description TEXT NOT NULL,
    description_fold TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (description)
) STRICT, WITHOUT ROWID;
INSERT INTO fc_count_description (description, description_fold, n)
    SELECT description, max(description_fold), count(*) FROM failed_checkins GROUP BY description;

-- The trigrams of the distinct names (fc_count_name): one row per distinct
-- three-byte substring of a name's folded copy. A name substring search
-- tests only the names listed under the needle's rarest trigram instead
-- of every name. Bytes, not characters, so that the needle's trigrams
-- (cut in Go) and these agree whatever the text holds; a name is listed
-- under every trigram of its folded copy, so no match is ever missed.
-- Names are added by the trigger when fc_count_name gains a row (an
-- upsert that only adds to n does not fire it), in the same transaction.
CREATE TABLE fc_name_trigram (
    trigram BLOB NOT NULL,
    coworker_full_name TEXT NOT NULL,
    PRIMARY KEY (trigram, coworker_full_name)
) STRICT, WITHOUT ROWID;

-- json_each over "[0,0,...]" (length - 2 elements) numbers the trigrams'
-- start offsets: a trigger may not use a WITH clause.
CREATE TRIGGER fc_name_trigram_add AFTER INSERT ON fc_count_name BEGIN
    INSERT OR IGNORE INTO fc_name_trigram (trigram, coworker_full_name)
        SELECT substr(CAST(new.coworker_full_name_fold AS BLOB), key + 1, 3), new.coworker_full_name
        FROM json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(new.coworker_full_name_fold AS BLOB)) - 2)), '00', '0,'), ',') || ']');
END;

INSERT OR IGNORE INTO fc_name_trigram (trigram, coworker_full_name)
    SELECT substr(CAST(c.coworker_full_name_fold AS BLOB), key + 1, 3), c.coworker_full_name
    FROM fc_count_name AS c,
        json_each('[' || rtrim(replace(hex(zeroblob(length(CAST(c.coworker_full_name_fold AS BLOB)) - 2)), '00', '0,'), ',') || ']');

-- q2's page walks the time index newest first and tests each record's
-- name: with the folded name in the index entry, the test needs no visit
-- to the record (only the 25 shown are read), about half of q2's page
-- time. id (the rowid) comes before it, so the index still yields
-- "ORDER BY checkin_attempt_time, id" without a sort; it replaces the
-- index on checkin_attempt_time alone, under the same name.
DROP INDEX IF EXISTS failed_checkins_time;
CREATE INDEX failed_checkins_time ON failed_checkins (checkin_attempt_time, id, coworker_full_name_fold);
