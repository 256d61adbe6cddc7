package sqlite

import (
	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// The search SQL is written by package sqlstore, shared with the postgres
// store; this file only picks SQLite's dialect (? placeholders, instr()
// for substrings, INTEGER Unix-second times, SQLite's own NULL order).

// selectColumns are read by sqlstore.FailedCheckinScanner, in this order.
const selectColumns = sqlstore.SelectColumns

// findSQL is a search as SQL: the count and the page share the WHERE
// clause and its arguments; the page adds LIMIT and OFFSET.
type findSQL struct {
	count string
	page  string
	args  []any
}

// buildFind turns q into SQLite SQL. The scope is applied inside the
// query; the caller handles the empty scope (which must not query at all).
func buildFind(q fc.Query) (findSQL, error) {
	f, err := sqlstore.BuildFind(sqlstore.SQLite(), q)
	return findSQL{count: f.Count, page: f.Page, args: f.Args}, err
}
