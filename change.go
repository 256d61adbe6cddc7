package failedcheckins

import "context"

// RecordChangeStore is implemented by the stores whose records may be
// changed or deleted after they were written: a person's records erased,
// old records anonymized or deleted by a retention window, a refusal
// marked resolved by the check-in that followed it. Every search total,
// statistic and export afterwards is exactly what it would be had the
// remaining records been written that way in the first place, and the Id
// of a deleted record is never given to another one by the store. (An
// import that names Ids explicitly keeps them, a deleted one included:
// restoring records is the operator's decision, docs/cli.md.)
//
// Each call is one transaction: all of its records change, or none does.
// Ids that do not exist are skipped, so a call may be repeated.
type RecordChangeStore interface {
	// DeleteFailedCheckins deletes the records with these Ids and returns
	// how many there were.
	DeleteFailedCheckins(ctx context.Context, ids []int64) (int, error)

	// UpdateFailedCheckins calls change with each record of ids that
	// exists (a copy, as stored, in Id order) and stores what change made
	// of it. change must not alter Id, UniqueId or CreatedOn (an
	// ErrInvalid error), and the result must be a valid record; an error
	// from change ends the call, which then changes nothing and returns
	// that error. The store sets nothing itself (UpdatedOn and UpdatedBy
	// are change's to set). It returns the number of records that change
	// altered. change runs inside the write transaction: it must be quick
	// and must not call the store.
	UpdateFailedCheckins(ctx context.Context, ids []int64, change func(*FailedCheckin) error) (int, error)

	// DeleteCheckins deletes the accepted check-ins with these Ids and
	// returns how many there were.
	DeleteCheckins(ctx context.Context, ids []int64) (int, error)
}
