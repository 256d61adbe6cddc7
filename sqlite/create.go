package sqlite

import (
	"context"
	"iter"

	fc "github.com/failedcheckins/failedcheckins"
)

// CreateFailedCheckins writes every record of the sequence in one
// transaction (see failedcheckins.FailedCheckinStore).
func (db *DB) CreateFailedCheckins(ctx context.Context, records iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	return 0, errNotImplemented
}
