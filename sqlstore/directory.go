package sqlstore

import (
	"context"
	"fmt"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// DirectoryVersionSQL reads the version of the stored directory.
const DirectoryVersionSQL = `SELECT version FROM directory WHERE id = 1`

// LoadDirectory returns the directory as tx sees it, from c when the
// stored version has not moved.
func LoadDirectory(ctx context.Context, tx Tx, c *DirectoryCache) (*fc.Directory, error) {
	var version int64
	if err := tx.QueryRow(ctx, DirectoryVersionSQL).Scan(&version); err != nil {
		return nil, fmt.Errorf("read the directory version: %w", err)
	}
	return directoryAt(ctx, tx, c, version)
}

// directoryAt returns the directory of the version tx has just read.
func directoryAt(ctx context.Context, tx Tx, c *DirectoryCache, version int64) (*fc.Directory, error) {
	return c.At(version, func() (string, error) {
		var doc string
		err := tx.QueryRow(ctx, `SELECT document FROM directory WHERE id = 1`).Scan(&doc)
		return doc, err
	})
}

// ImportDirectory merges d into the directory tx sees and stores the
// result, or changes nothing and returns MergeDirectory's error. The
// caller serialises imports (the transaction of SQLite's single writer,
// an advisory lock on PostgreSQL): two merges at once would lose one.
func ImportDirectory(ctx context.Context, dl Dialect, tx Tx, c *DirectoryCache, d *fc.Directory, now time.Time) error {
	current, err := LoadDirectory(ctx, tx, c)
	if err != nil {
		return err
	}
	doc, err := MergeDirectory(current, d)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE directory SET version = version + 1, document = $1, updated_on = $2 WHERE id = 1`,
		doc, dl.Records.Value(now))
	if err != nil {
		return fmt.Errorf("store the directory: %w", err)
	}
	return nil
}
