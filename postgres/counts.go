package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// runInts adapts a transaction to sqlstore.RunInts, so that the shared
// count, seek and narrowing plans (sqlstore/run.go) run here; the rollup
// sums they read are kept by the trigger of migration 0006.
func runInts(tx pgx.Tx) sqlstore.RunInts {
	return func(ctx context.Context, st sqlstore.Statement, width int, row func([]int64) bool) error {
		rows, err := tx.Query(ctx, st.SQL, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		vals := make([]int64, width)
		dest := make([]any, width)
		for i := range vals {
			dest[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(dest...); err != nil {
				return fmt.Errorf("scan: %w", err)
			}
			if !row(vals) {
				return nil
			}
		}
		return rows.Err()
	}
}
