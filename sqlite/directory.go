package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

var _ fc.DirectoryStore = (*DB)(nil)

// directoryCache keeps the parsed directory of one version. Attempts read
// the directory thousands of times a second; parsing it each time would
// dominate. The version row is read with every batch (and every
// Directory call), so an import by another process or server on the same
// database is seen at the next batch.
type directoryCache struct {
	mu      sync.Mutex
	version int64
	dir     *fc.Directory
	purged  time.Time // when expired idempotency keys were last deleted (attempt.go)
}

// queryer is what reading the directory needs: a transaction of either kind.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it, all in one write transaction: a bad
// import changes nothing and its ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		current, _, err := db.loadDirectory(ctx, tx)
		if err != nil {
			return err
		}
		merged := fc.Merge(current, d)
		if err := merged.Index(); err != nil {
			return err
		}
		doc, err := fc.MarshalDirectory(merged)
		if err != nil {
			return fmt.Errorf("encode the directory: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE directory SET version = version + 1, document = ?, updated_on = ? WHERE id = 1`,
			string(doc), now.Unix())
		if err != nil {
			return fmt.Errorf("store the directory: %w", err)
		}
		return nil
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	var d *fc.Directory
	err := db.withReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		d, _, err = db.loadDirectory(ctx, tx)
		return err
	})
	return d, err
}

// loadDirectory returns the directory as q sees it, from the cache when
// the stored version has not moved.
func (db *DB) loadDirectory(ctx context.Context, q queryer) (*fc.Directory, int64, error) {
	var version int64
	if err := q.QueryRowContext(ctx, directoryVersionSQL).Scan(&version); err != nil {
		return nil, 0, fmt.Errorf("read the directory version: %w", err)
	}
	d, err := db.directoryAt(ctx, q, version)
	return d, version, err
}

const directoryVersionSQL = `SELECT version FROM directory WHERE id = 1`

// directoryAt returns the directory of the version q has just read, from
// the cache when it is that version.
func (db *DB) directoryAt(ctx context.Context, q queryer, version int64) (*fc.Directory, error) {
	c := &db.dir
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir != nil && c.version == version {
		return c.dir, nil
	}
	var doc string
	if err := q.QueryRowContext(ctx, `SELECT document FROM directory WHERE id = 1`).Scan(&doc); err != nil {
		return nil, fmt.Errorf("read the directory: %w", err)
	}
	// A stored directory that fails to load is an internal error, not the
	// client's: %v on purpose, so its ErrInvalid code does not become a 400.
	d, err := fc.ParseDirectory(strings.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("the stored directory does not parse: %v", err)
	}
	if err := d.Index(); err != nil {
		return nil, fmt.Errorf("the stored directory is not valid: %v", err)
	}
	c.version, c.dir = version, d
	return d, nil
}
