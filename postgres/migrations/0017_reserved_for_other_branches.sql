-- A placeholder that keeps the versions contiguous on the alerts branch
-- (wt-K): other branches own version 0017. When they are merged, DELETE
-- THIS FILE and keep theirs; 0018 (the alerts) does not depend on it. Two
-- 0017 files fail every store's tests (sqlstore.LoadMigrations: no gaps or
-- duplicates), so the merge cannot miss it.
SELECT 1;
