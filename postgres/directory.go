package postgres

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
)

var _ fc.DirectoryStore = (*DB)(nil)

// directoryCache keeps the parsed directory of one version: attempts read
// it thousands of times a second, and parsing it each time would dominate.
// The version is read with every batch, so an import through another
// server on the same database is seen at the next batch.
type directoryCache struct {
	mu      sync.Mutex
	version int64
	dir     *fc.Directory
	purged  time.Time // when expired idempotency keys were last deleted (attempt.go)
}

// directoryLock serialises imports across servers: two merges of the same
// document at once would lose one of them.
const directoryLock = 0x6664697265 // "fdire"

// ImportDirectory merges d into the stored directory by Id, checks the
// result as a whole and stores it in one transaction: a bad import changes
// nothing and its ErrInvalid error says where.
func (db *DB) ImportDirectory(ctx context.Context, d *fc.Directory) error {
	return db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(directoryLock)); err != nil {
			return fmt.Errorf("lock the directory: %w", err)
		}
		current, err := db.loadDirectory(ctx, tx)
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
		_, err = tx.Exec(ctx, `UPDATE directory SET version = version + 1, document = $1, updated_on = $2 WHERE id = 1`, string(doc), now)
		if err != nil {
			return fmt.Errorf("store the directory: %w", err)
		}
		return nil
	})
}

// Directory returns the current directory, indexed and read-only.
func (db *DB) Directory(ctx context.Context) (*fc.Directory, error) {
	return db.loadDirectory(ctx, db.pool)
}

// queryRower is a pool or a transaction.
type queryRower interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// loadDirectory returns the directory as q sees it, from the cache when
// the stored version has not moved.
func (db *DB) loadDirectory(ctx context.Context, q queryRower) (*fc.Directory, error) {
	var version int64
	if err := q.QueryRow(ctx, `SELECT version FROM directory WHERE id = 1`).Scan(&version); err != nil {
		return nil, fmt.Errorf("read the directory version: %w", err)
	}
	c := &db.dir
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dir != nil && c.version == version {
		return c.dir, nil
	}
	var doc string
	if err := q.QueryRow(ctx, `SELECT document FROM directory WHERE id = 1`).Scan(&doc); err != nil {
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
