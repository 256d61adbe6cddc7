-- A placeholder that keeps the versions contiguous on the audit branch
-- (wt-E): the webhooks branch (wt-D) owns version 0012. When both are
-- merged, DELETE THIS FILE and keep the webhooks' 0012; 0013 (the audit)
-- does not depend on it. Two 0012 files fail every store's tests
-- (sqlstore.LoadMigrations: no gaps or duplicates), so the merge cannot
-- miss it.
SELECT 1;
