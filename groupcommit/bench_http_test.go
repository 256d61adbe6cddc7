package groupcommit_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// countingStore counts the batches, so benchmarks can report the mean
// batch size: what group commit actually achieved.
type countingStore struct {
	fc.AttemptStore
	batches atomic.Int64
}

func (c *countingStore) RecordAttempts(ctx context.Context, as []*fc.Attempt) ([]fc.AttemptResult, error) {
	c.batches.Add(1)
	return c.AttemptStore.RecordAttempts(ctx, as)
}

// doorAuth lets every request in as a door controller: the benchmark
// measures the check-in path, not password hashing or token lookups.
type doorAuth struct{}

func (doorAuth) Authenticate(*http.Request) (*fc.Caller, error) {
	return &fc.Caller{UserID: 1, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.AllBusinesses()}, nil
}

// BenchmarkHTTP16 is BenchmarkSubmit16 through a real listener: 16
// clients, each with its own keep-alive connection, POST attempts to
// /api/spaces/checkins (JSON parse, validation, the group-commit queue,
// the Nexudus answer) on a SQLite file with synchronous=FULL.
//
//	go test -run '^$' -bench HTTP16 -benchtime 20000x ./groupcommit/
func BenchmarkHTTP16(b *testing.B) {
	db := openStore(b)
	counted := &countingStore{AttemptStore: db}
	q := groupcommit.New(counted, groupcommit.Options{})
	defer q.Close()
	h := api.New(api.Config{Store: db, Authenticator: doorAuth{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Checkins: &api.CheckinConfig{Store: db, Directory: db, Attempts: q}}).Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	const clients = 16
	lat := make([][]time.Duration, clients)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for c := range clients {
		wg.Go(func() {
			lat[c] = postAttempts(b, srv.URL+"/api/spaces/checkins", c, clients)
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
}

// postAttempts is one benchmark client: its own keep-alive connection, one
// attempt per request, each a different FromTime. The body is appended
// into one reused buffer rather than formatted, so the client takes less
// of the CPU it shares with the server it measures.
func postAttempts(b *testing.B, url string, c, clients int) []time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	defer client.CloseIdleConnections()
	base := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	var lat []time.Duration
	var body []byte
	var rd bytes.Reader
	for i := c; i < b.N; i += clients {
		body = append(body[:0], `{"BusinessId": 1, "Source": 3, "MacAddresses": "a4-5e-60-c2-19-0b", "FromTime": "`...)
		body = base.Add(time.Duration(i)*time.Second).AppendFormat(body, time.RFC3339)
		body = append(body, `"}`...)
		t0 := time.Now()
		rd.Reset(body)
		req, err := http.NewRequest(http.MethodPost, url, &rd)
		if err != nil {
			b.Error(err)
			return lat
		}
		req.Header["Content-Type"] = []string{"application/json"}
		resp, err := client.Do(req)
		if err != nil {
			b.Error(err)
			return lat
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Errorf("POST = %d", resp.StatusCode)
			return lat
		}
		lat = append(lat, time.Since(t0))
	}
	return lat
}
