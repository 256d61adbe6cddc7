package sqlite

import (
	"context"
	"sync/atomic"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// countingDB is the store whose RecordAttempts counts its write
// transactions (storetest.TransactionCounter): a batch that failed and
// was retried in halves shows as more than one.
type countingDB struct {
	*DB
	runs atomic.Int64
}

var _ storetest.TransactionCounter = (*countingDB)(nil)

func (c *countingDB) RecordAttempts(ctx context.Context, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	write := func(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
		c.runs.Add(1)
		return c.write(ctx, fn)
	}
	return sqlstore.RecordAttemptBatch(ctx, dialect, write, &c.dir, attempts)
}

func (c *countingDB) RecordTransactions() int64 { return c.runs.Load() }
