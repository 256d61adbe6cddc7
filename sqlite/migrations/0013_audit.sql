-- The audit trail (PRIVACY.md section 1, docs/api.md#the-audit-trail): one
-- row per request that returned records or personal data, or tried to, and
-- per change made by a person. Rows are only appended (in batches, package
-- audit); nothing updates one. This migration does not depend on 0012,
-- and may run again over its own objects (IF NOT EXISTS: the migration
-- tests re-run every migration from 0005 on).
-- occurred_on is INTEGER Unix seconds, as records' times are, so the
-- search machinery's time ranges apply unchanged. Text columns that are
-- filtered or sorted have a *_fold copy (failedcheckins.Fold), as records
-- have (not client_address, which Go writes in lower case, nor method, an
-- ASCII token that lower() folds). total_items is NULL for anything but a
-- search.
CREATE TABLE IF NOT EXISTS audit_entries (
    id                  INTEGER PRIMARY KEY,
    occurred_on         INTEGER NOT NULL,
    user_email          TEXT    NOT NULL,
    user_email_fold     TEXT    NOT NULL,
    client_address      TEXT    NOT NULL,
    channel             TEXT    NOT NULL CHECK (channel IN ('Api', 'Console', 'Stream', 'Cli')),
    method              TEXT    NOT NULL,
    path                TEXT    NOT NULL,
    path_fold           TEXT    NOT NULL,
    query               TEXT    NOT NULL,
    query_fold          TEXT    NOT NULL,
    status              INTEGER NOT NULL,
    result_count        INTEGER NOT NULL,
    total_items         INTEGER
) STRICT;

-- The default order (On, newest first) and from_/to_Audit_On; the rowid
-- ends every entry, so "ORDER BY occurred_on DESC, id DESC" needs no sort.
CREATE INDEX IF NOT EXISTS audit_entries_on ON audit_entries (occurred_on);
-- "What did this user read?", newest first.
CREATE INDEX IF NOT EXISTS audit_entries_user ON audit_entries (user_email_fold, occurred_on);
