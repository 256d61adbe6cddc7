package postgres

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.AttemptStore = (*DB)(nil)

// RecordAttempts judges and records a batch of attempts in one
// transaction (one commit for the batch: group commit), through the
// shared pipeline (sqlstore.RecordAttempts).
//
// The monthly limit must hold when several servers judge attempts of the
// same coworker at once. Each batch first takes the records' write lock
// (a transaction-scoped advisory lock, the one imports take to assign
// FailedCheckin Ids), then counts, judges and inserts, and releases it at
// commit. Every count therefore sees every check-in accepted before it,
// by any server, and no two batches interleave. A per-coworker lock would
// let batches of different coworkers run side by side, but the Id rule
// already needs the one lock, and with group commit one lock per batch
// (not per attempt) costs little.
func (db *DB) RecordAttempts(ctx context.Context, attempts []*fc.Attempt) ([]fc.AttemptResult, error) {
	return sqlstore.RecordAttemptBatch(ctx, dialect, db.write, &db.dir, attempts)
}

// OnWebhookDeliveries sets fn, called after a batch of attempts that
// queued webhook deliveries commits: serve wakes its dispatcher with it
// (sqlstore.WebhookCache.Queued). Call it before the store is shared.
func (db *DB) OnWebhookDeliveries(fn func()) { db.dir.Webhooks.Queued = fn }
