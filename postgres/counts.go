package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// runInts adapts a transaction to sqlbuild.RunInts, so that the shared
// count, seek and narrowing plans (sqlbuild/run.go) run here; the rollup
// sums they read are kept by the trigger of migration 0006.
func runInts(tx pgx.Tx) sqlbuild.RunInts {
	return func(ctx context.Context, st sqlbuild.Statement, width int, row func([]int64) bool) error {
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
