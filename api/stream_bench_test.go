package api

import (
	"slices"
	"testing"
	"time"
)

// BenchmarkStreamLag measures the time from the check-in answer of a
// refusal to its event on an open stream: on the server that wrote it
// (woken by the commit) and on another server of the same database (a
// second pool on PostgreSQL, a second handle on the SQLite file), which
// learns of it by polling (StreamOptions.Poll, 250 ms by default). It
// reports the p50 and p99 lag; PUSH.md asks p99 < 1 s.
//
//	go test ./api -run '^$' -bench StreamLag -benchtime 200x
func BenchmarkStreamLag(b *testing.B) {
	for _, where := range []string{"same", "other"} {
		b.Run(where, func(b *testing.B) {
			dbs := openSharedStores(b, 2)
			writer := newStreamServer(b, dbs[0], StreamOptions{})
			reader := writer
			if where == "other" {
				reader = newStreamServer(b, dbs[1], StreamOptions{})
			}
			c, code, body := openStream(b, reader.ts.URL, "/api/spaces/failedcheckins/stream", "admin")
			if code != 200 {
				b.Fatalf("open = %d %s", code, body)
			}
			<-c.retry
			lags := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				id := writer.post(b, refuseAt1) // returns with the answer
				answered := time.Now()
				for ev := c.next(b, 10*time.Second); ev.id < id; ev = c.next(b, 10*time.Second) {
				}
				lags = append(lags, time.Since(answered))
				// Spread the attempts over the poll cycle, as real ones are.
				time.Sleep(time.Duration(len(lags)*37%100) * time.Millisecond)
			}
			b.StopTimer()
			slices.Sort(lags)
			b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}
