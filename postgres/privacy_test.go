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

// twoServers opens and migrates two stores on the database dsn, as two
// servers would.
func twoServers(t *testing.T, dsn string) (*DB, *DB) {
	t.Helper()
	open := func() *DB {
		db, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return db
	}
	return open(), open()
}

// TestRetentionOneServerAtATime: of two servers on one database, one at a
// time holds the retention lock; the other's run does nothing and says
// so, and takes the lock once the first has released it.
func TestRetentionOneServerAtATime(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	a, b := twoServers(t, dsn)
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
// alert incidents, audit entries, the delivery log) runs on the connection that holds the
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
			WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32) + l.objid::bigint = $1
				AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
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
		b.Limit = 30 + 10*(i%4) // batches of several sizes
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
	if _, err := run.PruneWebhookDeliveries(ctx, erasureStart, 0, 100); err != nil {
		t.Fatalf("PruneWebhookDeliveries: %v", err)
	}
	between("the delivery log's batch")
	if n := db.pool.Stat().AcquireCount() - acquired; n != 0 {
		t.Errorf("the run's batches took %d connections from the pool; want none (all on the lock's)", n)
	}
	// Batches of several sizes share one statement text per kind
	// (Dialect.IDArrays): the connection prepared the DELETE once.
	var texts int
	if err := run.(*retentionRun).conn.QueryRow(ctx, `SELECT count(*) FROM pg_prepared_statements
		WHERE statement LIKE 'DELETE FROM failed_checkins WHERE %'`).Scan(&texts); err != nil {
		t.Fatal(err)
	}
	if texts != 1 {
		t.Errorf("the run's connection prepared %d texts of the records' DELETE for batches of 30-60 records; want 1", texts)
	}
}

// TestRetentionRunCut: a run cut short between two batches, by its
// context or by the loss of the lock's connection (pg_terminate_backend),
// returns the error, leaves no connection taken from the pool, and
// leaves the retention lock free for another server.
func TestRetentionRunCut(t *testing.T) {
	for _, how := range []string{"cancel", "terminate"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			dsn := pgtest.NewDatabase(t)
			a, b := twoServers(t, dsn)
			if _, err := a.CreateFailedCheckins(ctx, erasureRecords(400)); err != nil {
				t.Fatal(err)
			}
			probe, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer probe.Close(ctx)
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			cut := func() {
				if how == "cancel" {
					cancel()
					return
				}
				// The lock's backend, ended and waited for (PostgreSQL 14+).
				var ended bool
				err := probe.QueryRow(ctx, `SELECT pg_terminate_backend(l.pid, 5000) FROM pg_locks l
					WHERE l.locktype = 'advisory' AND l.granted AND (l.classid::bigint << 32) + l.objid::bigint = $1
						AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
					int64(sqlstore.RetentionLock)).Scan(&ended)
				if err != nil || !ended {
					t.Fatalf("end the run's connection = %v, %v", ended, err)
				}
			}
			run := retention.Runner{Store: cutStore{DB: a, cut: cut}, Windows: retention.Windows{DeleteAfter: 183 * retention.Day},
				Now: func() time.Time { return erasureStart.Add(365 * retention.Day) }, FirstBatch: 10, MinBatch: 10, Pause: time.Microsecond}
			res, err := run.RunOnce(runCtx)
			if err == nil || res.Batches != 1 {
				t.Fatalf("RunOnce cut after its first batch = %+v, %v; want an error after 1 batch", res, err)
			}
			if n := acquiredConns(a); n != 0 {
				t.Errorf("after the cut run %d connections are still taken from the pool; want 0", n)
			}
			other, ok, err := b.TryRetentionLock(ctx)
			if err != nil || !ok {
				t.Fatalf("TryRetentionLock(another server) after the cut run = %v, %v; want the lock", ok, err)
			}
			other.Release()
			other.Release() // a second Release does nothing
			if n := acquiredConns(b); n != 0 {
				t.Errorf("after Release twice %d connections are taken from the pool; want 0", n)
			}
			// The first server's pool still serves a whole run.
			run.Store = a
			if res, err := run.RunOnce(ctx); err != nil || res.Locked || res.Deleted == 0 {
				t.Errorf("RunOnce after the cut = %+v, %v; want the rest deleted", res, err)
			}
		})
	}
}

// acquiredConns is how many connections are taken from db's pool, once
// any being destroyed is gone: the pool destroys a broken connection
// given back (a terminated run's) in a goroutine of its own, so the count
// drops a moment after Release; a connection never given back stays.
func acquiredConns(db *DB) int32 {
	n := db.pool.Stat().AcquiredConns()
	for deadline := time.Now().Add(5 * time.Second); n != 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		n = db.pool.Stat().AcquiredConns()
	}
	return n
}

// cutStore is a store whose retention run calls cut just before its
// second batch: the batch then begins on a cancelled context, or on a
// terminated connection.
type cutStore struct {
	*DB
	cut func()
}

func (s cutStore) TryRetentionLock(ctx context.Context) (fc.RetentionRun, bool, error) {
	run, ok, err := s.DB.TryRetentionLock(ctx)
	if err != nil || !ok {
		return run, ok, err
	}
	return &cutRun{RetentionRun: run, cut: s.cut}, true, nil
}

type cutRun struct {
	fc.RetentionRun
	cut     func()
	batches int
}

func (r *cutRun) RetainBatch(ctx context.Context, b fc.RetentionBatch) (fc.RetentionProgress, error) {
	if r.batches++; r.batches == 2 {
		r.cut()
	}
	return r.RetentionRun.RetainBatch(ctx, b)
}
