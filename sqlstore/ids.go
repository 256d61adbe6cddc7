package sqlstore

// LargestIDSQL is the query, with no arguments, that returns the largest
// Id ever given to a record of table (failed_checkins or checkins), or 0.
// A store gives a new record that number plus one, under its write lock.
// It is the one place that says what "largest" means, so that the rule
// "Ids are never used twice, even after a delete" holds for every writer
// (check-in attempts, imports, creates) on both stores.
//
// The largest Id ever given is the larger of the largest Id present and
// the table's high-water mark in record_ids (migration 0009), which
// MarkLargestIDSQL raises before every delete. Inserts never touch the
// mark: both halves are one seek on a primary key.
func LargestIDSQL(table string) string {
	return `SELECT coalesce(max(id), 0) FROM (SELECT max(id) AS id FROM ` + table +
		` UNION ALL SELECT largest FROM record_ids WHERE table_name = '` + table + `') AS ids`
}

// MarkLargestIDSQL is the statement, with no arguments, that a delete from
// table runs first (in its transaction, under the write lock): it raises
// the high-water mark to the largest Id ever given, so that deleting the
// newest records does not lower what LargestIDSQL returns.
func MarkLargestIDSQL(table string) string {
	return `UPDATE record_ids SET largest = (` + LargestIDSQL(table) + `) WHERE table_name = '` + table + `'`
}
