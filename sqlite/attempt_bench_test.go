package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/demo"
)

// BenchmarkRecordAttempts times the store alone (no queue, no HTTP):
// batches of 512 demo attempts (about 43% refused) through RecordAttempts
// on a file with synchronous=FULL. ns/op is per attempt.
//
//	go test -run '^$' -bench RecordAttempts -benchtime 100000x ./sqlite/
func BenchmarkRecordAttempts(b *testing.B) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(b.TempDir(), "a.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d, attempts, err := demo.History(1, b.N, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ImportDirectory(ctx, d); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for len(attempts) > 0 {
		n := min(512, len(attempts))
		if _, err := db.RecordAttempts(ctx, attempts[:n]); err != nil {
			b.Fatal(err)
		}
		attempts = attempts[n:]
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
	b.StopTimer()
	reportResolved(b, db.reader)
}

// reportResolved reports the share of the refusals that a later check-in
// resolved (docs/checkins.md#did-they-get-in-anyway): how much of the
// resolution UPDATE each accepted attempt runs finds work to do.
func reportResolved(b *testing.B, db *sql.DB) {
	var refused, resolved float64
	err := db.QueryRow(`SELECT count(*), count(resolved_by_checkin_id) FROM failed_checkins`).Scan(&refused, &resolved)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(100*resolved/max(refused, 1), "%resolved")
}
