package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// OpenAside opens a new, empty database that is built in a temporary file
// next to path (path + ".import-N.tmp") and becomes the database at
// path only when Publish is called; Close without Publish deletes it. It
// is for a first import into a database that does not exist yet: nobody
// can read the file meanwhile, so it skips what a shared file needs.
//
//   - No write-ahead log: the rows are written to the file once, instead
//     of to the WAL and then copied into the file at the checkpoint, and
//     the index builds after the last row read the table from the file
//     instead of looking every page up in the WAL (a 769 MB WAL at 1M
//     records).
//   - The rollback journal is in memory (journal_mode=MEMORY): a failed
//     import still rolls back (a new file has few pages to journal: the
//     appended pages have no earlier content), and nothing waits for the
//     disk (synchronous=OFF) until Publish syncs the finished file once.
//
// A crash before Publish leaves the temporary file, never a partial
// database at path; a crash in Publish between the link to path and the
// removal of the temporary name leaves that name as a second name of the
// database (RemoveLinkedAsides).
func OpenAside(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fc.Errorf(fc.ErrInvalid, "the database path is empty")
	}
	// Not os.CreateTemp: its files are 0600, SQLite's 0644 (less the
	// umask), and the published file must be like one SQLite created.
	var f *os.File
	var err error
	for range 100 {
		tmp := fmt.Sprintf("%s.import-%d.tmp", path, rand.Uint32())
		if f, err = os.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644); !errors.Is(err, fs.ErrExist) {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create a file beside %s: %w", path, err)
	}
	tmp := f.Name()
	if err := f.Close(); err != nil {
		return nil, errors.Join(fmt.Errorf("create %s: %w", tmp, err), os.Remove(tmp))
	}
	db, err := open(ctx, tmp, asideDSN)
	if err != nil {
		return nil, errors.Join(err, os.Remove(tmp))
	}
	db.aside = path
	return db, nil
}

// asideDSN is dsn for OpenAside's writer: no WAL, the rollback journal in
// memory, no syncs. Its readers are dsn's.
func asideDSN(path string, readOnly bool) string {
	v := dsnValues(readOnly)
	if !readOnly {
		v.Set("_journal_mode", "MEMORY")
		v.Set("_synchronous", "OFF")
	}
	return dsnOf(path, v)
}

// ErrDatabaseExists is Publish's error when a file appeared at the path
// while the database was built aside (another process created it).
var ErrDatabaseExists = errors.New("the database file was created by another process meanwhile")

// Publish closes a database opened by OpenAside, writes it to disk and
// moves it to its path, atomically: a crash leaves either no file there or
// the whole database.
//
// err is the reason the database was not published; the temporary file is
// deleted then. It is ErrDatabaseExists when a file exists at the path by
// then. Once the database is at its path it stays published: a failure of
// what follows (removing the temporary name, syncing the directory) is
// returned as warn, with err nil, and deletes nothing.
func (db *DB) Publish() (warn, err error) {
	if db.aside == "" {
		return nil, errors.New("publish: the database was not opened by OpenAside")
	}
	tmp, path := db.path, db.aside
	db.aside = "" // Close must not delete the file now
	defer func() {
		if err != nil {
			err = errors.Join(err, removeAside(tmp))
		}
	}()
	// The file becomes what any other database file is: in WAL mode
	// (a header change; the WAL is empty and removed at the Close).
	if _, err := db.writer.Exec(`PRAGMA journal_mode = WAL`); err != nil {
		return nil, errors.Join(fmt.Errorf("publish %s: %w", path, err), db.Close())
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", path, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", path, err) // "sync TMP: ..."
	}
	// A hard link, unlike a rename, never replaces a file that another
	// process created at path meanwhile (a server started on it).
	if err := linkFile(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("%s: %w", path, ErrDatabaseExists)
		}
		// A file system without hard links: a rename that does not
		// replace either (rename_linux.go).
		if err := renameNoReplace(tmp, path); err != nil {
			if errors.Is(err, fs.ErrExist) {
				return nil, fmt.Errorf("%s: %w", path, ErrDatabaseExists)
			}
			return nil, fmt.Errorf("publish %s: %w", path, err)
		}
	} else if err := removeName(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Not removeAside, and not an error: the file is the database
		// now. Another import removes the name (RemoveLinkedAsides).
		warn = fmt.Errorf("%s is a second name of the database %s: delete it, never open it (%w)", tmp, path, err)
	}
	if err := syncDirOf(filepath.Dir(path)); err != nil {
		warn = errors.Join(warn, fmt.Errorf("%s is in place, but its directory entry may not survive a crash: %w", path, err))
	}
	return warn, nil
}

// The file operations of Publish after the sync, which tests make fail.
var (
	linkFile   = os.Link
	removeName = os.Remove // the temporary name, once linked to the path
	syncDirOf  = syncDir
)

// RemoveLinkedAsides deletes the temporary names of OpenAside beside path
// (path + ".import-N.tmp") that are another name of the database at path:
// what a crash between Publish's link and its removal of the temporary
// name leaves. Such a name must never be opened: SQLite would give the
// database a second write-ahead log. Other temporary files are left, as
// another import may be building one. It returns the names removed.
func RemoveLinkedAsides(path string) (removed []string, err error) {
	db, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	dir, prefix := filepath.Dir(path), filepath.Base(path)+".import-"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), prefix) || !strings.HasSuffix(e.Name(), ".tmp") {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if fi, err := os.Stat(name); err != nil || !os.SameFile(db, fi) {
			continue // gone meanwhile, or not the database
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}

// removeAside deletes the temporary file of OpenAside (its journal is in
// memory).
func removeAside(tmp string) error {
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// syncDir makes a new directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err // *PathError: "open DIR: ..."
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err // *PathError: "sync DIR: ..."
}
