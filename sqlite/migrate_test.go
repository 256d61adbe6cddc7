package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

func TestMigrationsAreNumberedInOrder(t *testing.T) {
	ms, err := migrations()
	if err != nil {
		t.Fatalf("migrations() error: %v", err)
	}
	if len(ms) == 0 || ms[0].Name != "0001_failed_checkins.sql" {
		t.Fatalf("migrations() starts with %v; want 0001_failed_checkins.sql first", ms)
	}
	for i, m := range ms {
		if m.Version != i+1 {
			t.Errorf("migration %d is %s (version %d); want version %d", i, m.Name, m.Version, i+1)
		}
	}
}

func TestMigrateFreshAndAgain(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "fresh.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	latest, _ := latestVersion()
	if v, err := db.SchemaVersion(ctx); v != 0 || err != nil {
		t.Errorf("SchemaVersion(new file) = %d, %v; want 0, nil", v, err)
	}
	err = db.CheckSchema(ctx)
	if fc.ErrorCode(err) != fc.ErrUnavailable || !strings.Contains(fc.ErrorMessage(err), "run failedcheckins migrate") {
		t.Errorf("CheckSchema(new file) = %v; want %s telling to run failedcheckins migrate", err, fc.ErrUnavailable)
	}
	for run := 1; run <= 2; run++ { // the second run must change nothing
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("Migrate (run %d): %v", run, err)
		}
		if v, err := db.SchemaVersion(ctx); v != latest || err != nil {
			t.Errorf("SchemaVersion after run %d = %d, %v; want %d, nil", run, v, err, latest)
		}
		var rows int
		if err := db.writer.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != latest {
			t.Errorf("schema_migrations after run %d holds %d rows (%v); want %d", run, rows, err, latest)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Errorf("CheckSchema after run %d = %v; want nil", run, err)
		}
	}
}

func TestCheckSchemaRefusesNewerDatabase(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	latest, _ := latestVersion()
	if _, err := db.writer.Exec(`INSERT INTO schema_migrations (version, name, applied_on) VALUES (?, 'future.sql', 0)`, latest+1); err != nil {
		t.Fatal(err)
	}
	err := db.CheckSchema(ctx)
	if fc.ErrorCode(err) != fc.ErrUnavailable || !strings.Contains(fc.ErrorMessage(err), "upgrade the binary") {
		t.Errorf("CheckSchema(newer) = %v; want %s telling to upgrade the binary", err, fc.ErrUnavailable)
	}
	if err := db.Migrate(ctx); fc.ErrorCode(err) != fc.ErrUnavailable {
		t.Errorf("Migrate(newer) = %v; want %s", err, fc.ErrUnavailable)
	}
}

// TestPragmas: the durability and safety settings are on for the writer
// and for pooled readers.
func TestPragmas(t *testing.T) {
	db := openTest(t)
	want := map[string]string{"journal_mode": "wal", "synchronous": "2", "foreign_keys": "1", "busy_timeout": "10000"}
	for name, w := range want {
		for role, pool := range map[string]*sql.DB{"writer": db.writer, "reader": db.reader} {
			w := w
			if name == "busy_timeout" && role == "writer" {
				w = "400" // writerBusyTimeout: check-ins answer while another process writes
			}
			var got string
			if err := pool.QueryRow("PRAGMA " + name).Scan(&got); err != nil || got != w {
				t.Errorf("%s PRAGMA %s = %q, %v; want %q", role, name, got, err, w)
			}
		}
	}
	var got string
	if err := db.reader.QueryRow("PRAGMA query_only").Scan(&got); err != nil || got != "1" {
		t.Errorf("reader PRAGMA query_only = %q, %v; want 1", got, err)
	}
}

// TestMigrateWaitsForLock: a migration waits for the write lock another
// process holds longer than the writer's busy_timeout (another server's
// migration, an import) instead of failing with "database is locked".
func TestMigrateWaitsForLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "held.db")
	other, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer other.Close()
	conn, err := other.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	released := make(chan error, 1)
	go func() {
		time.Sleep(3 * writerBusyTimeout)
		_, err := conn.ExecContext(ctx, "COMMIT")
		released <- err
	}()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate while another connection held the write lock for %v: %v", 3*writerBusyTimeout, err)
	}
	if err := <-released; err != nil {
		t.Fatal(err)
	}
}

// TestMigrateConcurrently: two processes (here two handles on one file)
// migrating at once both succeed, and every migration is applied once.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	latest, _ := latestVersion()
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "both.db")
		var dbs [6]*DB
		for i := range dbs {
			db, err := Open(ctx, path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer db.Close()
			dbs[i] = db
		}
		errs := make(chan error, len(dbs))
		start := make(chan struct{})
		for _, db := range dbs {
			go func() {
				<-start
				errs <- db.Migrate(ctx)
			}()
		}
		close(start)
		for range dbs {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: concurrent Migrate: %v", round, err)
			}
		}
		var rows int
		if err := dbs[0].writer.QueryRow(`SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil || rows != latest {
			t.Errorf("round %d: schema_migrations holds %d rows (%v); want %d", round, rows, err, latest)
		}
	}
}
