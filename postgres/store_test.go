package postgres

import (
	"context"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/jackc/pgx/v5/pgxpool"
)

// acquire takes one connection of db's pool for the test (a session's
// settings, locks and transactions of its own), given back at its end.
func acquire(t testing.TB, db *DB) *pgxpool.Conn {
	t.Helper()
	conn, err := db.pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(conn.Release)
	return conn
}

// openTest returns a migrated store on a fresh database of its own, closed
// (and the database dropped) when the test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db.SetNow(func() time.Time { return time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC) })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) fc.FailedCheckinStore { return openTest(t) })
}

// TestAuthConformance runs the sign-in store suite that every backend
// shares; with several servers on one database these are the tables they
// share.
func TestAuthConformance(t *testing.T) {
	storetest.RunAuth(t, func(t *testing.T) storetest.AuthStore { return openTest(t) })
}

func TestWebhookConformance(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) storetest.WebhookBackend {
		db := openTest(t)
		db.SetNow(func() time.Time { return storetest.WebhookNow })
		return db
	})
}

func TestAlertConformance(t *testing.T) {
	storetest.RunAlerts(t, func(t *testing.T) storetest.AlertBackend { return &countingDB{DB: openTest(t)} })
}

// TestAlertTwoServers: two stores on one database, as two servers.
func TestAlertTwoServers(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	open := func() *DB {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a, b := open(), open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.RunAlertTwoServers(t, a, b)
}

// TestAlertOtherServer: one server's batches see what another server on
// the same database did to an incident since their last look.
func TestAlertOtherServer(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	var dbs [2]*DB
	for i := range dbs {
		db, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	if err := dbs[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.RunAlertOtherServer(t, dbs[0], dbs[1])
}
