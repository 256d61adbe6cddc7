// Schema migrations: reading the numbered NNNN_name.sql files each store
// embeds, and the rule that compares a database's version with the
// binary's. Each store applies its own files in its own dialect and
// transaction.

package sqlstore

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // the file name, recorded with the version
	SQL     string
}

// LoadMigrations returns every migrations/NNNN_name.sql file of fsys in version
// order. The versions must run 1, 2, 3... without gaps or duplicates: a
// mistake there is a build error, caught by every store's tests.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	var ms []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil || version < 1 {
			return nil, fmt.Errorf("migration %s: name is not NNNN_name.sql", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", base, err)
		}
		ms = append(ms, Migration{Version: version, Name: base, SQL: string(text)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d (no gaps or duplicates)", m.Name, i+1)
		}
	}
	return ms, nil
}

// CheckVersion compares the database's schema version with the latest one the
// binary knows: nil when they are equal, otherwise an ErrUnavailable error
// telling the operator what to do (migrate, or upgrade the binary).
func CheckVersion(current, latest int) error {
	switch {
	case current < latest:
		return fc.Errorf(fc.ErrUnavailable,
			"the database schema is at version %d but this binary needs version %d: run failedcheckins migrate", current, latest)
	case current > latest:
		return SchemaTooNew(current, latest)
	}
	return nil
}

// SchemaTooNew is the error for a database migrated by a newer binary: this one
// must not touch it.
func SchemaTooNew(current, latest int) error {
	return fc.Errorf(fc.ErrUnavailable,
		"the database schema is at version %d, newer than this binary knows (%d): upgrade the binary", current, latest)
}
