-- A placeholder that keeps the versions contiguous on the sort-index branch
-- (wt-F): the audit branch (wt-E) owns version 0013. When both are merged,
-- DELETE THIS FILE and keep the audit's 0013; 0014 (the sort indexes) does
-- not depend on it. Two 0013 files fail every store's tests
-- (sqlstore.LoadMigrations: no gaps or duplicates), so the merge cannot
-- miss it.
SELECT 1;
