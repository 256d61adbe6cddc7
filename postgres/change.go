package postgres

import (
	"context"
	"fmt"
	"time"

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
	n := 0
	err := db.write(ctx, func(tx sqlstore.WriteTx, now time.Time) error {
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

// TryRetentionLock is fc.PrivacyStore.TryRetentionLock: a session-level
// advisory lock on a connection kept out of the pool until release, so
// that of the servers sharing the database one at a time applies the
// retention windows; a server that dies releases it with its connection.
func (db *DB) TryRetentionLock(ctx context.Context) (func(), bool, error) {
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
	release := func() {
		// A connection that cannot unlock is closed, which unlocks.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(sqlstore.RetentionLock)); err != nil {
			_ = conn.Conn().Close(context.Background())
		}
		conn.Release()
	}
	return release, true, nil
}
