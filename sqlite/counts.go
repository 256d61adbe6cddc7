package sqlite

import (
	"context"
	"fmt"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// runInts adapts a read transaction (a *sql.Tx, or one through the
// prepared search statements, DB.searchTx) to sqlstore.RunInts, so that
// the shared count, seek and narrowing plans (sqlstore/run.go) run here.
func runInts(tx rowsQueryer) sqlstore.RunInts {
	return func(ctx context.Context, st sqlstore.Statement, width int, row func([]int64) bool) error {
		rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
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
