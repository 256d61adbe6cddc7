package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// openTest returns a new migrated database in a temporary directory,
// closed when the test ends.
func openTest(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	db.SetNow(func() time.Time { return time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC) })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) fc.FailedCheckinStore { return openTest(t) })
}

func TestCheckinConformance(t *testing.T) {
	storetest.RunCheckins(t, func(t *testing.T) storetest.CheckinBackend { return openTest(t) })
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

// TestAlertTwoServers: two stores on one database file, as two processes
// sharing it.
func TestAlertTwoServers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	open := func() *DB {
		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	a := open()
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	storetest.RunAlertTwoServers(t, a, open())
}

// TestAlertOtherServer: one process's batches see what another process on
// the same database file did to an incident since their last look.
func TestAlertOtherServer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	storetest.RunAlertOtherServer(t, a, b)
}
