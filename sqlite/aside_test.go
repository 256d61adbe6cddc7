package sqlite

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// openAsideTest returns a migrated database of OpenAside that becomes
// dir/test.db when published.
func openAsideTest(t *testing.T, dir string) *DB {
	t.Helper()
	db, err := OpenAside(context.Background(), filepath.Join(dir, "test.db"))
	if err != nil {
		t.Fatalf("OpenAside: %v", err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestOpenAsidePublish: a database built aside is not at its path until
// it is published; a failed first import in it rolls back (the dropped
// indexes come back: its journal is in memory); once published it is an
// ordinary WAL database with the records, and no temporary file is left.
func TestOpenAsidePublish(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openAsideTest(t, dir)
	if names := dirNames(t, dir); len(names) != 1 || names[0] == "test.db" {
		t.Errorf("files while building aside = %v; want one temporary file, not test.db", names)
	}
	before := readRows(t, db, indexList)
	bad := withUniqueIDs(3000, nil, func(pos int, r *fc.FailedCheckin) {
		if pos == 2500 {
			r.UniqueID = uid(17)
		}
	})
	if _, err := db.CreateFailedCheckins(ctx, bad); fc.ErrorCode(err) != fc.ErrConflict {
		t.Fatalf("import with a duplicate UniqueId = %v; want a conflict", err)
	}
	if got := readRows(t, db, "SELECT count(*) FROM failed_checkins"); !slices.Equal(got, []string{"0"}) {
		t.Errorf("records after the failed import = %v; want 0", got)
	}
	if got := readRows(t, db, indexList); !slices.Equal(got, before) {
		t.Errorf("indexes after the failed import = %v; want %v", got, before)
	}
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(3000, nil, nil)); n != 3000 || err != nil {
		t.Fatalf("import = %d, %v; want 3000, nil", n, err)
	}
	if err := db.Publish(); err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db"}) {
		t.Errorf("files after Publish = %v; want test.db alone", names)
	}
	// Bytes 18 and 19 of the header are 2 in WAL mode, 1 in rollback mode.
	if b, err := os.ReadFile(filepath.Join(dir, "test.db")); err != nil || len(b) < 100 || b[18] != 2 || b[19] != 2 {
		t.Errorf("published file header: %v; want WAL mode (bytes 18 and 19 = 2)", err)
	}
	pub, err := Open(ctx, filepath.Join(dir, "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for q, want := range map[string]string{
		"SELECT count(*) FROM failed_checkins":                             "3000",
		"SELECT count(*) FROM failed_checkins INDEXED BY " + uniqueIDIndex: "3000",
		"PRAGMA integrity_check":                                           "ok",
		"PRAGMA journal_mode":                                              "wal",
	} {
		if got := readRows(t, pub, q); !slices.Equal(got, []string{want}) {
			t.Errorf("%s in the published file = %v; want %s", q, got, want)
		}
	}
}

// TestOpenAsideNotPublished: Close without Publish deletes the file built
// aside, and Publish never replaces a file another process created at the
// path meanwhile.
func TestOpenAsideNotPublished(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openAsideTest(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("files after Close without Publish = %v; want none", names)
	}

	db = openAsideTest(t, dir)
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(10, nil, nil)); n != 10 || err != nil {
		t.Fatalf("import = %d, %v; want 10, nil", n, err)
	}
	path := filepath.Join(dir, "test.db")
	if err := os.WriteFile(path, []byte("another process's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := db.Publish(); !errors.Is(err, ErrDatabaseExists) {
		t.Errorf("Publish over a file created meanwhile = %v; want ErrDatabaseExists", err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db"}) {
		t.Errorf("files after the refused Publish = %v; want test.db alone", names)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "another process's" {
		t.Errorf("the other file after the refused Publish = %.30q (%d bytes), %v; want it untouched", b, len(b), err)
	}
}
