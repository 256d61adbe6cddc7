package storetest

import (
	"context"
	"iter"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/retention"
)

// RetentionBenchStore is what BenchRetention needs of a store: records
// to write and search, retention batches, and a Close that frees the
// database before the next iteration builds another.
type RetentionBenchStore interface {
	fc.FailedCheckinStore
	fc.PrivacyStore
	Close() error
}

// BenchRetention is each store's BenchmarkRetention: over
// FAILEDCHECKINS_BENCH_RETENTION_ROWS records (default 200,000) that
// data yields, a year of attempts from start, --delete-after removes the
// older half (about 100,000 records) and --anonymize-after anonymizes
// the next quarter, while a reader searches one location's (1001)
// newest records in a loop. open returns a new, empty, migrated store per
// iteration. It reports every batch's hold of the writer (p50, p99, max,
// and how many held it over 50 ms: PRIVACY.md allows none) and the
// slowest search meanwhile (issue 16: at most 100 ms).
func BenchRetention(b *testing.B, open func(b *testing.B) RetentionBenchStore, data func(n int) iter.Seq2[*fc.FailedCheckin, error], start time.Time) {
	rows := 200_000
	if v := os.Getenv("FAILEDCHECKINS_BENCH_RETENTION_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("FAILEDCHECKINS_BENCH_RETENTION_ROWS=%q: %v", v, err)
		}
		rows = n
	}
	ctx := context.Background()
	var maxHeld, maxSearch time.Duration
	var held []time.Duration
	var res retention.Result
	for b.Loop() {
		b.StopTimer()
		db := open(b)
		if _, err := db.CreateFailedCheckins(ctx, data(rows)); err != nil {
			b.Fatal(err)
		}
		run := retention.Runner{Store: db, Now: func() time.Time { return start.Add(365 * retention.Day) },
			Windows: retention.Windows{DeleteAfter: 183 * retention.Day, AnonymizeAfter: 92 * retention.Day}}
		stop := make(chan struct{})
		searched := make(chan time.Duration)
		go func() {
			var slowest time.Duration
			q := fc.Query{Scope: fc.BusinessScope(1001), OrderBy: fc.FieldCheckinAttemptTime, Descending: true, Page: 1, Size: 25}
			for {
				select {
				case <-stop:
					searched <- slowest
					return
				default:
				}
				t0 := time.Now()
				if _, err := db.FindFailedCheckins(ctx, q); err != nil {
					b.Error(err)
				}
				slowest = max(slowest, time.Since(t0))
			}
		}()
		b.StartTimer()
		var err error
		res, err = run.RunOnce(ctx)
		b.StopTimer()
		close(stop)
		maxSearch = max(maxSearch, <-searched)
		if err != nil {
			b.Fatal(err)
		}
		if res.Locked {
			b.Fatal("retention: another server holds the lock")
		}
		maxHeld = max(maxHeld, res.MaxHeld)
		held = append(held, res.Held...)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(res.Deleted), "deleted/op")
	b.ReportMetric(float64(res.Anonymized), "anonymized/op")
	b.ReportMetric(float64(res.Batches), "batches/op")
	slices.Sort(held)
	if len(held) > 0 {
		b.ReportMetric(float64(held[len(held)/2].Microseconds())/1000, "p50-held-ms")
		b.ReportMetric(float64(held[len(held)*99/100].Microseconds())/1000, "p99-held-ms")
		over := 0
		for _, h := range held {
			if h > 50*time.Millisecond {
				over++
			}
		}
		b.ReportMetric(float64(over), "batches-over-50ms")
	}
	b.ReportMetric(float64(maxHeld.Microseconds())/1000, "max-held-ms")
	b.ReportMetric(float64(maxSearch.Microseconds())/1000, "max-search-ms")
}
