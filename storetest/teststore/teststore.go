// Package teststore opens the store that tests above the store layer (the
// HTTP API's scenario tests) run against, chosen by FAILEDCHECKINS_TEST_DB:
// unset or "sqlite" is a SQLite file in a temporary directory; a
// postgres:// URL is a fresh database on that server (see package pgtest),
// so the same scenarios run unchanged against both backends.
package teststore

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// EnvVar selects the backend.
const EnvVar = "FAILEDCHECKINS_TEST_DB"

// Store is everything a backend keeps.
type Store interface {
	fc.FailedCheckinStore
	fc.UserStore
	fc.TokenStore
	fc.LoginFailureStore
	Ping(ctx context.Context) error
	Close() error
}

// Open returns a new, empty, migrated store of the selected backend,
// closed (and for PostgreSQL its database dropped) when the test ends.
func Open(t testing.TB) Store {
	t.Helper()
	ctx := context.Background()
	sel := os.Getenv(EnvVar)
	if sel == "" || sel == "sqlite" {
		db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "test.db"))
		if err != nil {
			t.Fatalf("sqlite.Open: %v", err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Errorf("close the store: %v", err)
			}
		})
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		return db
	}
	if !strings.HasPrefix(sel, "postgres://") && !strings.HasPrefix(sel, "postgresql://") {
		t.Fatalf("%s=%q: want sqlite or a postgres:// URL", EnvVar, sel)
	}
	db, err := postgres.Open(ctx, pgtest.NewDatabaseAt(t, sel))
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close the store: %v", err)
		}
	})
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}
