package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// secondaryIndex is a CREATE INDEX statement of failed_checkins.
type secondaryIndex struct{ name, sql string }

// dropIndexesIfEmpty drops the secondary indexes of failed_checkins when
// the table is empty, inside the import's transaction, and returns them so
// rebuildIndexes can create them again before the commit. Building an
// index once from the loaded rows (a sort) is several times cheaper than
// inserting a million random keys into it one by one; readers keep
// seeing the committed snapshot, indexes included, meanwhile.
func dropIndexesIfEmpty(ctx context.Context, tx *sql.Tx) ([]secondaryIndex, error) {
	var any int
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM failed_checkins)`).Scan(&any)
	if err != nil || any == 1 {
		return nil, wrapBulk(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = 'failed_checkins' AND sql IS NOT NULL`)
	if err != nil {
		return nil, wrapBulk(err)
	}
	var idx []secondaryIndex
	for rows.Next() {
		var s secondaryIndex
		if err := rows.Scan(&s.name, &s.sql); err != nil {
			rows.Close()
			return nil, wrapBulk(err)
		}
		idx = append(idx, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrapBulk(err)
	}
	for _, s := range idx {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+s.name+`"`); err != nil {
			return nil, wrapBulk(err)
		}
	}
	return idx, nil
}

// rebuildIndexes creates the indexes dropIndexesIfEmpty dropped.
func rebuildIndexes(ctx context.Context, tx *sql.Tx, idx []secondaryIndex) error {
	for _, s := range idx {
		if _, err := tx.ExecContext(ctx, s.sql); err != nil {
			return fmt.Errorf("rebuild index %s: %w", s.name, err)
		}
	}
	return nil
}

func wrapBulk(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("bulk import: %w", err)
}
