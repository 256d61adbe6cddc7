package sqlstore

// LargestIDSQL is the query, with no arguments, that returns the largest
// Id ever given to a record of table (failed_checkins or checkins), or 0.
// A store gives a new record that number plus one, under its write lock.
// It is the one place that says what "largest" means, so that the rule
// "Ids are never used twice, even after a delete" holds for every writer
// (check-in attempts, imports, creates) on both stores.
func LargestIDSQL(table string) string {
	return `SELECT coalesce(max(id), 0) FROM ` + table
}
