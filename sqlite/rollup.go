package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// rollupCounter adds up, in memory, the counts an insert transaction adds
// to every rollup (sqlstore.RollupCounts, shared with the PostgreSQL
// store), and writes them in the same transaction as the records.
type rollupCounter struct {
	*sqlstore.RollupCounts
	limit int // flush after this many records (flushEvery; tests use less)
}

// flushEvery bounds the memory of a large import: the counts are written
// after this many records (imports arrive mostly in time order, so the day
// buckets of two chunks barely overlap).
const flushEvery = 100_000

func newRollupCounter() *rollupCounter {
	return &rollupCounter{RollupCounts: sqlstore.NewRollupCounts(dialect), limit: flushEvery}
}

// flushIfLarge writes the counts once flushEvery records have been added.
func (c *rollupCounter) flushIfLarge(ctx context.Context, tx *sql.Tx) error {
	if c.Added() < c.limit {
		return nil
	}
	return c.flush(ctx, tx)
}

// flush upserts every counted key into its rollup, preparing each
// rollup's statement once for this flush.
func (c *rollupCounter) flush(ctx context.Context, tx *sql.Tx) error {
	stmts := map[*sqlstore.Rollup]*sql.Stmt{}
	defer func() {
		for _, s := range stmts {
			s.Close()
		}
	}()
	return c.Flush(func(ru *sqlstore.Rollup, args []any) error {
		stmt, ok := stmts[ru]
		if !ok {
			var err error
			if stmt, err = tx.PrepareContext(ctx, ru.Upsert(sqlstore.SQLite())); err != nil {
				return fmt.Errorf("prepare: %w", err)
			}
			stmts[ru] = stmt
		}
		_, err := stmt.ExecContext(ctx, args...)
		return err
	})
}
