package failedcheckins

import "context"

// RecordTailStore reads records in Id order past a cursor, for the live
// streams (docs/api.md#live-streams). It relies on what every writer of
// records guarantees (sqlstore/ids.go): a record's Id is one past the
// largest committed before it, given and committed under the records'
// write lock, so Ids become visible in increasing order and a reader that
// has seen Id n has seen every record with a smaller Id that it ever
// will. (An import that keeps the Ids of its file is the exception: its
// records may lie below the cursor of a running stream, which then never
// carries them; imported history is not news.)
type RecordTailStore interface {
	// LargestRecordIDs returns the largest Id present in each table, 0
	// for an empty one.
	LargestRecordIDs(ctx context.Context) (failedCheckin, checkin int64, err error)
	// FailedCheckinsAfter returns, in Id order, at most limit records
	// with Id > after that q's scope and conditions select (q's order and
	// page are ignored).
	FailedCheckinsAfter(ctx context.Context, q Query, after int64, limit int) ([]*FailedCheckin, error)
	// CheckinsAfter is FailedCheckinsAfter for check-ins.
	CheckinsAfter(ctx context.Context, q Query, after int64, limit int) ([]*Checkin, error)
}
