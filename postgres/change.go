package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

var _ fc.RecordChangeStore = (*DB)(nil)

// changes are the record changes of this store: the triggers of
// migrations 0006 and 0009 keep the rollups.
var changes = sqlstore.Changes{Dialect: sqlstore.PostgreSQL()}

// change runs fn in a transaction holding the records' write lock, which
// every writer that gives Ids takes: the high-water mark a delete raises
// then covers every Id given before it.
func (db *DB) change(ctx context.Context, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
	return db.changeOn(ctx, db.pool, fn)
}

// changeOn is change on a connection of on.
func (db *DB) changeOn(ctx context.Context, on begins, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
	n := 0
	err := db.writeOn(ctx, on, func(tx sqlstore.WriteTx, now time.Time) error {
		if _, err := tx.Exec(ctx, dialect.LockRecords); err != nil {
			return fmt.Errorf("lock for writing: %w", err)
		}
		var err error
		n, err = fn(tx, now)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// privacyOn is the erasures, retention batches and audit trail whose
// transactions begin on on: the pool for the store's own (Open), the
// retention lock's connection for a run's (TryRetentionLock).
func (db *DB) privacyOn(on begins) (sqlstore.Privacy, sqlstore.Audit) {
	read := func(ctx context.Context, fn func(tx sqlstore.Tx) error) error { return db.readOn(ctx, on, fn) }
	write := func(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
		return db.writeOn(ctx, on, fn)
	}
	change := func(ctx context.Context, fn func(tx sqlstore.Tx, now time.Time) (int, error)) (int, error) {
		return db.changeOn(ctx, on, fn)
	}
	return sqlstore.Privacy{Changes: changes, Change: change, Read: read, Dirs: &db.dir},
		sqlstore.Audit{D: dialect, Read: read, Write: write}
}

// TryRetentionLock is fc.PrivacyStore.TryRetentionLock: a session-level
// advisory lock on a connection kept out of the pool until release, so
// that of the servers sharing the database one at a time applies the
// retention windows; a server that dies releases it with its connection.
// The run's batches begin their transactions on that same connection,
// which keeps the statements it prepares: each statement of a batch
// (one text per kind whatever the batch's size: Dialect.IDArrays), and
// each of the count triggers' (17 in fc_count_removed alone), is then
// prepared once per run, where on whichever pooled connection came free
// the first batch on each paid 18-24 ms of planning
// (docs/benchmarks.md). Between batches the connection is idle, outside
// any transaction: it holds the retention lock, which only another
// server's run asks for (and does not wait for), and none of the
// records' locks.
func (db *DB) TryRetentionLock(ctx context.Context) (fc.RetentionRun, bool, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, false, db.unavailable(err)
	}
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, int64(sqlstore.RetentionLock)).Scan(&ok); err != nil {
		conn.Release()
		return nil, false, fmt.Errorf("take the retention lock: %w", err)
	}
	if !ok {
		conn.Release()
		return nil, false, nil
	}
	run := &retentionRun{conn: conn}
	run.Privacy, run.audit = db.privacyOn(conn)
	run.webhooks = sqlstore.Webhooks{D: dialect, Write: func(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
		return db.writeOn(ctx, conn, fn)
	}}
	return run, true, nil
}

var _ fc.RetentionRun = (*retentionRun)(nil)

// retentionRun is a retention run on the connection that holds the
// retention lock (TryRetentionLock): the store's own batches, whose
// transactions begin on conn. Like the connection, it is for one
// goroutine at a time.
type retentionRun struct {
	sqlstore.Privacy
	audit    sqlstore.Audit
	webhooks sqlstore.Webhooks
	conn     *pgxpool.Conn // nil once released
}

// PruneWebhookDeliveries is fc.RetentionBatches.PruneWebhookDeliveries
// on the run's connection.
func (r *retentionRun) PruneWebhookDeliveries(ctx context.Context, before time.Time, after int64, limit int) (fc.RetentionProgress, error) {
	return r.webhooks.PruneWebhookDeliveries(ctx, before, after, limit)
}

// DeleteAuditEntriesBefore is fc.RetentionBatches.DeleteAuditEntriesBefore
// on the run's connection.
func (r *retentionRun) DeleteAuditEntriesBefore(ctx context.Context, before time.Time, limit int) (int, error) {
	return r.audit.DeleteAuditEntriesBefore(ctx, before, limit)
}

// releaseTimeout bounds the unlock of Release, which has no caller's
// context: a server that does not answer in that time gets its
// connection closed, which unlocks too.
const releaseTimeout = 5 * time.Second

// Release is fc.RetentionRun.Release: it unlocks and gives the
// connection back to the pool; a connection that cannot unlock (within
// releaseTimeout) is closed, which unlocks. A second call does nothing.
func (r *retentionRun) Release() {
	if r.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	if _, err := r.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(sqlstore.RetentionLock)); err != nil {
		_ = r.conn.Conn().Close(ctx)
	}
	r.conn.Release()
	r.conn = nil
}
