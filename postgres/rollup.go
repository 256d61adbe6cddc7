package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// bulkFlushEvery bounds the memory of a large import: the counts are
// written after this many records.
const bulkFlushEvery = 500_000

// bulkCounts keeps the rollups of an import: the insert count triggers
// stand aside for the transaction (dialect.CountTriggersOff, as in a check-in
// batch) and the records are added up in memory, then written with one
// COPY and one upsert per rollup, each counter row updated once per flush.
type bulkCounts struct {
	counts *sqlstore.RollupCounts
	limit  int
}

// startBulkCounts turns the insert count triggers off for tx's transaction.
func startBulkCounts(ctx context.Context, tx pgx.Tx) (*bulkCounts, error) {
	if _, err := tx.Exec(ctx, dialect.CountTriggersOff); err != nil {
		return nil, fmt.Errorf("bulk counts: %w", err)
	}
	return &bulkCounts{counts: sqlstore.NewRollupCounts(dialect), limit: bulkFlushEvery}, nil
}

// flushIfLarge writes the counts once limit records have been added.
func (b *bulkCounts) flushIfLarge(ctx context.Context, tx pgx.Tx) error {
	if b.counts.Added() < b.limit {
		return nil
	}
	return b.flush(ctx, tx)
}

// flush copies each rollup's counts into a temporary table and adds them
// to the rollup in one statement.
func (b *bulkCounts) flush(ctx context.Context, tx pgx.Tx) error {
	rows := map[*sqlstore.Rollup][][]any{}
	err := b.counts.Flush(func(ru *sqlstore.Rollup, args []any) error {
		rows[ru] = append(rows[ru], args)
		return nil
	})
	if err != nil {
		return err
	}
	for _, ru := range sqlstore.Rollups {
		if len(rows[ru]) > 0 { // none for the zone maps: NewRollupCounts(dialect) skips them
			if err := addCounts(ctx, tx, ru, rows[ru]); err != nil {
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
	}
	return nil
}

func addCounts(ctx context.Context, tx pgx.Tx, ru *sqlstore.Rollup, rows [][]any) error {
	tmp := "fc_bulk_" + ru.Name
	cols := append(ru.Columns(), "n")
	stmts := []string{
		`CREATE TEMP TABLE IF NOT EXISTS ` + tmp + ` (LIKE ` + ru.Name + `) ON COMMIT DROP`,
		`TRUNCATE ` + tmp,
	}
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return err
		}
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{tmp}, cols, pgx.CopyFromRows(rows)); err != nil {
		return err
	}
	list := strings.Join(cols, ", ")
	_, err := tx.Exec(ctx, `INSERT INTO `+ru.Name+` (`+list+`) SELECT `+list+` FROM `+tmp+ru.OnConflict())
	return err
}
