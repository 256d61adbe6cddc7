package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

func openAuthDB(t *testing.T) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "auth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestAuthConformance runs the sign-in store suite that every backend
// shares (users, tokens, rotation under concurrency, login counters).
func TestAuthConformance(t *testing.T) {
	storetest.RunAuth(t, func(t *testing.T) storetest.AuthStore { return openAuthDB(t) })
}

// The store must satisfy the domain interfaces.
var (
	_ fc.UserStore         = (*DB)(nil)
	_ fc.TokenStore        = (*DB)(nil)
	_ fc.LoginFailureStore = (*DB)(nil)
)
