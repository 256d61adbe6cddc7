package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/failedcheckins/failedcheckins/demo"
)

// BenchmarkRecordAttempts times the store alone: batches of demo attempts
// (about 43% refused) through RecordAttempts on a fresh database. ns/op
// is per attempt.
//
//	FAILEDCHECKINS_TEST_POSTGRES=postgres://... go test -run '^$' -bench RecordAttempts -benchtime 20000x ./postgres/
func BenchmarkRecordAttempts(b *testing.B) {
	for _, batch := range []int{8, 512} {
		b.Run(map[int]string{8: "batch-8", 512: "batch-512"}[batch], func(b *testing.B) {
			ctx := context.Background()
			db := openTest(b)
			db.SetNow(time.Now)
			d, attempts, err := demo.History(1, b.N, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if err := db.ImportDirectory(ctx, d); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for len(attempts) > 0 {
				n := min(batch, len(attempts))
				if _, err := db.RecordAttempts(ctx, attempts[:n]); err != nil {
					b.Fatal(err)
				}
				attempts = attempts[n:]
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
			b.StopTimer()
			reportResolved(b, db.pool)
		})
	}
}

// reportResolved reports the share of the refusals that a later check-in
// resolved (docs/checkins.md#did-they-get-in-anyway): how much of the
// resolution UPDATE each accepted attempt runs finds work to do.
func reportResolved(b *testing.B, pool *pgxpool.Pool) {
	var refused, resolved float64
	err := pool.QueryRow(context.Background(), `SELECT count(*), count(resolved_by_checkin_id) FROM failed_checkins`).Scan(&refused, &resolved)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(100*resolved/max(refused, 1), "%resolved")
}
