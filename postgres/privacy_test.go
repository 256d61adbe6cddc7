package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/retention"
	"github.com/failedcheckins/failedcheckins/sqlstore"
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
	held, ok, err := a.TryRetentionLock(ctx)
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
	held.Release()
	if res, err := run.RunOnce(ctx); err != nil || res.Locked {
		t.Errorf("RunOnce(b) after a released the lock = %+v, %v; want it run", res, err)
	}
	held, ok, err = a.TryRetentionLock(ctx)
	if err != nil || !ok {
		t.Fatalf("TryRetentionLock(a) after b's run = %v, %v; want the lock (b released it)", ok, err)
	}
	held.Release()
}

// TestRetentionRunOneConnection: every batch of a retention run (records,
// alert incidents, audit entries) runs on the connection that holds the
// retention lock, none on another of the pool, so their plans are made
// once per run; and between two batches that connection is idle, in no
// transaction, holding no lock but the retention lock.
func TestRetentionRunOneConnection(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	const rows = 1000
	if _, err := db.CreateFailedCheckins(ctx, erasureRecords(rows)); err != nil {
		t.Fatal(err)
	}
	// Another connection, outside the pool, looks at the run's.
	probe, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close(ctx)
	run, ok, err := db.TryRetentionLock(ctx)
	if err != nil || !ok {
		t.Fatalf("TryRetentionLock = %v, %v; want the lock", ok, err)
	}
	defer run.Release()
	acquired := db.pool.Stat().AcquireCount()
	between := func(after string) {
		t.Helper()
		var state string
		var locks int
		err := probe.QueryRow(ctx, `SELECT a.state, (SELECT count(*) FROM pg_locks o WHERE o.pid = a.pid)
			FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
			WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32) + l.objid::bigint = $1`,
			int64(sqlstore.RetentionLock)).Scan(&state, &locks)
		if err != nil {
			t.Fatalf("after %s: the retention lock's connection: %v", after, err)
		}
		if state != "idle" || locks != 1 {
			t.Errorf("after %s: the run's connection is %q holding %d locks; want idle holding the retention lock alone", after, state, locks)
		}
	}
	between("the lock")
	b := fc.RetentionBatch{Kind: fc.KindFailedCheckins, Delete: true, Before: erasureStart.Add(183 * retention.Day), Limit: 100, By: retention.By}
	deleted := 0
	for i := 0; ; i++ {
		p, err := run.RetainBatch(ctx, b)
		if err != nil {
			t.Fatalf("RetainBatch: %v", err)
		}
		deleted += p.Changed
		between(fmt.Sprintf("record batch %d", i))
		if p.Done {
			break
		}
		b.After = p.Last
	}
	if deleted < rows*2/5 || deleted > rows*3/5 {
		t.Errorf("the batches deleted %d of %d records spread over a year; want about half", deleted, rows)
	}
	if _, err := run.RetainAlerts(ctx, erasureStart.Add(183*retention.Day), 100); err != nil {
		t.Fatalf("RetainAlerts: %v", err)
	}
	between("the alert batch")
	if _, err := run.DeleteAuditEntriesBefore(ctx, erasureStart, 100); err != nil {
		t.Fatalf("DeleteAuditEntriesBefore: %v", err)
	}
	between("the audit batch")
	if n := db.pool.Stat().AcquireCount() - acquired; n != 0 {
		t.Errorf("the run's batches took %d connections from the pool; want none (all on the lock's)", n)
	}
}
