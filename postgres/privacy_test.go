package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/retention"
)

// TestRetentionOneServerAtATime: of two servers on one database, one at a
// time holds the retention lock; the other's run does nothing and says
// so, and takes the lock once the first has released it.
func TestRetentionOneServerAtATime(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	open := func() *DB {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return db
	}
	a, b := open(), open()
	release, ok, err := a.TryRetentionLock(ctx)
	if err != nil || !ok {
		t.Fatalf("TryRetentionLock(a) = %v, %v; want the lock", ok, err)
	}
	if _, ok, err := b.TryRetentionLock(ctx); err != nil || ok {
		t.Fatalf("TryRetentionLock(b) while a holds it = %v, %v; want false", ok, err)
	}
	run := retention.Runner{Store: b, Windows: retention.Windows{DeleteAfter: 30 * retention.Day},
		Now: func() time.Time { return time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC) }}
	if res, err := run.RunOnce(ctx); err != nil || !res.Locked {
		t.Errorf("RunOnce(b) while a holds the lock = %+v, %v; want Locked", res, err)
	}
	release()
	if res, err := run.RunOnce(ctx); err != nil || res.Locked {
		t.Errorf("RunOnce(b) after a released the lock = %+v, %v; want it run", res, err)
	}
	release, ok, err = a.TryRetentionLock(ctx)
	if err != nil || !ok {
		t.Fatalf("TryRetentionLock(a) after b's run = %v, %v; want the lock (b released it)", ok, err)
	}
	release()
}
