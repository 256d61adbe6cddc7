package sqlite

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
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
	// A small cache, so that the failed import's pages spill into the
	// file before it rolls back: only the journal (in memory) can then
	// restore the pages it changed (with journal_mode=OFF it cannot).
	if _, err := db.writer.Exec(`PRAGMA cache_size = 16`); err != nil {
		t.Fatal(err)
	}
	const schema = `SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name`
	before, beforeSchema := readRows(t, db, indexList), readRows(t, db, schema)
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
	if got := readRows(t, db, schema); !slices.Equal(got, beforeSchema) {
		t.Errorf("schema after the failed import = %v; want %v", got, beforeSchema)
	}
	if got := readRows(t, db, "PRAGMA integrity_check"); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("integrity_check after the failed import = %v; want ok", got)
	}
	if _, err := db.writer.Exec(`PRAGMA cache_size = -131072`); err != nil {
		t.Fatal(err)
	}
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(3000, nil, nil)); n != 3000 || err != nil {
		t.Fatalf("import = %d, %v; want 3000, nil", n, err)
	}
	if warn, err := db.Publish(); warn != nil || err != nil {
		t.Fatalf("Publish = %v, %v; want nil, nil", warn, err)
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
	if warn, err := db.Publish(); warn != nil || !errors.Is(err, ErrDatabaseExists) {
		t.Errorf("Publish over a file created meanwhile = %v, %v; want nil, ErrDatabaseExists", warn, err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db"}) {
		t.Errorf("files after the refused Publish = %v; want test.db alone", names)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "another process's" {
		t.Errorf("the other file after the refused Publish = %.30q (%d bytes), %v; want it untouched", b, len(b), err)
	}
}

// TestPublishAfterLinkWarns: once the database is linked to its path it
// is published, whatever fails after: removing the temporary name or
// syncing the directory is a warning, not an error, and deletes nothing.
// The name left behind is another name of the database, which
// RemoveLinkedAsides removes, and only it.
func TestPublishAfterLinkWarns(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "test.db")
	db := openAsideTest(t, dir)
	tmp := db.path
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(10, nil, nil)); n != 10 || err != nil {
		t.Fatalf("import = %d, %v; want 10, nil", n, err)
	}
	errRemove, errSync := errors.New("remove failed"), errors.New("sync failed")
	removeName = func(string) error { return errRemove }
	syncDirOf = func(string) error { return errSync }
	defer func() { removeName, syncDirOf = os.Remove, syncDir }()
	warn, err := db.Publish()
	if err != nil || !errors.Is(warn, errRemove) || !errors.Is(warn, errSync) {
		t.Fatalf("Publish = %v, %v; want both failures as the warning, no error", warn, err)
	}
	if !strings.Contains(warn.Error(), "never open it") {
		t.Errorf("warning %q does not say never to open %s", warn, tmp)
	}
	// An unrelated temporary file (another import building one) stays.
	other := filepath.Join(dir, "test.db.import-1.tmp")
	if err := os.WriteFile(other, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db", filepath.Base(other), filepath.Base(tmp)}) &&
		!slices.Equal(names, []string{"test.db", filepath.Base(tmp), filepath.Base(other)}) {
		t.Errorf("files after Publish = %v; want test.db, %s and %s", names, filepath.Base(tmp), filepath.Base(other))
	}
	removed, err := RemoveLinkedAsides(path)
	if err != nil || !slices.Equal(removed, []string{tmp}) {
		t.Errorf("RemoveLinkedAsides = %v, %v; want [%s], nil", removed, err, tmp)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db", filepath.Base(other)}) {
		t.Errorf("files after RemoveLinkedAsides = %v; want test.db and %s", names, filepath.Base(other))
	}
	pub, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if got := readRows(t, pub, "SELECT count(*) FROM failed_checkins"); !slices.Equal(got, []string{"10"}) {
		t.Errorf("records in the published file = %v; want 10", got)
	}
	if removed, err := RemoveLinkedAsides(filepath.Join(dir, "none.db")); removed != nil || err != nil {
		t.Errorf("RemoveLinkedAsides of a missing database = %v, %v; want nil, nil", removed, err)
	}
}

// TestPublishWithoutHardLinks: where the file system has no hard links,
// Publish renames, and that rename does not replace a file created at
// the path meanwhile either.
func TestPublishWithoutHardLinks(t *testing.T) {
	ctx := context.Background()
	linkFile = func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: syscall.EPERM}
	}
	defer func() { linkFile = os.Link }()
	dir := t.TempDir()
	path := filepath.Join(dir, "test.db")

	db := openAsideTest(t, dir)
	if err := os.WriteFile(path, []byte("another process's"), 0o644); err != nil {
		t.Fatal(err)
	}
	if warn, err := db.Publish(); warn != nil || !errors.Is(err, ErrDatabaseExists) {
		t.Errorf("Publish over a file created meanwhile = %v, %v; want nil, ErrDatabaseExists", warn, err)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "another process's" {
		t.Errorf("the other file after the refused Publish = %.30q (%d bytes), %v; want it untouched", b, len(b), err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}

	db = openAsideTest(t, dir)
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(10, nil, nil)); n != 10 || err != nil {
		t.Fatalf("import = %d, %v; want 10, nil", n, err)
	}
	if warn, err := db.Publish(); warn != nil || err != nil {
		t.Fatalf("Publish = %v, %v; want nil, nil", warn, err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"test.db"}) {
		t.Errorf("files after Publish = %v; want test.db alone", names)
	}
}

// TestRenameNoReplace: the rename of Publish's fallback refuses a target
// that exists, leaving both files as they were (os.Rename replaces it).
func TestRenameNoReplace(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "from"), filepath.Join(dir, "to")
	for name, content := range map[string]string{from: "from", to: "to"} {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := renameNoReplace(from, to); !errors.Is(err, fs.ErrExist) {
		t.Errorf("renameNoReplace onto an existing file = %v; want fs.ErrExist", err)
	}
	for name, want := range map[string]string{from: "from", to: "to"} {
		if b, err := os.ReadFile(name); err != nil || string(b) != want {
			t.Errorf("%s after the refused rename = %q, %v; want %q", name, b, err, want)
		}
	}
	if err := os.Remove(to); err != nil {
		t.Fatal(err)
	}
	if err := renameNoReplace(from, to); err != nil {
		t.Errorf("renameNoReplace = %v", err)
	}
	if b, err := os.ReadFile(to); err != nil || string(b) != "from" {
		t.Errorf("%s after the rename = %q, %v; want \"from\"", to, b, err)
	}
}
