package sqlite

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.AttemptStore = (*DB)(nil)

// RecordAttempts judges and records a batch of attempts in one write
// transaction: one fsync for the whole batch (group commit), through the
// shared pipeline (sqlstore.RecordAttempts). The single writer
// connection serialises batches, so the monthly limit holds under any
// concurrency.
func (db *DB) RecordAttempts(ctx context.Context, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	return sqlstore.RecordAttemptBatch(ctx, dialect, db.write, &db.dir, attempts)
}

// OnWebhookDeliveries sets fn, called after a batch of attempts that
// queued webhook deliveries commits: serve wakes its dispatcher with it
// (sqlstore.WebhookCache.Queued). Call it before the store is shared.
func (db *DB) OnWebhookDeliveries(fn func()) { db.dir.Webhooks.Queued = fn }
