package groupcommit_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// BenchmarkSubmit16 measures attempts per second and latency with 16
// concurrent submitters on a SQLite file with synchronous=FULL:
// MaxBatch=1 is the floor (one transaction and fsync per attempt), the
// default is group commit.
//
//	go test -run '^$' -bench Submit16 -benchtime 20000x ./groupcommit/
func BenchmarkSubmit16(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"one-per-commit", 1}, {"group-commit", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			db := openStore(b)
			counted := &countingStore{AttemptStore: db}
			q := groupcommit.New(counted, groupcommit.Options{MaxBatch: tc.batch})
			defer q.Close()
			const clients = 16
			lat := make([][]time.Duration, clients)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for c := range clients {
				wg.Go(func() {
					for i := c; i < b.N; i += clients {
						a := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, MacAddresses: "a4-5e-60-c2-19-0b",
							FromTime: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)}
						t0 := time.Now()
						if _, err := q.Submit(context.Background(), a); err != nil {
							b.Error(err)
							return
						}
						lat[c] = append(lat[c], time.Since(t0))
					}
				})
			}
			wg.Wait()
			elapsed := time.Since(start)
			all := slices.Concat(lat...)
			slices.Sort(all)
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "attempts/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(all))/float64(counted.batches.Load()), "attempts/batch")
		})
	}
}
