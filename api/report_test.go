package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/demo"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// TestExportEqualsPages: the CSV of a filter holds exactly the records of
// the same search's pages, concatenated, in the same order.
func TestExportEqualsPages(t *testing.T) {
	s, _ := sampleServer(t)
	requireReports(t, s)
	for _, c := range []struct{ token, query string }{
		{"admin", "FailedCheckin_Source=DoorAccess&orderBy=CheckinAttemptTimeLocal&dir=asc"},
		{"admin", "FailedCheckin_Description=plan&orderBy=CoworkerFullName"},
		{"lister", ""},
	} {
		w := do(t, s.Handler(), "GET", searchPath+"/export?format=csv&"+c.query, c.token)
		rd, err := csvrecord.NewReader(w.Body)
		if w.Code != 200 || err != nil {
			t.Fatalf("export ?%s = %d, %v", c.query, w.Code, err)
		}
		var got, want []int64
		for r, err := range rd.All() {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, r.ID)
		}
		for page := 1; ; page++ {
			var p struct {
				Records    []struct{ Id int64 }
				TotalItems int64
			}
			pw := do(t, s.Handler(), "GET", fmt.Sprintf("%s?%s&size=100&page=%d", searchPath, c.query, page), c.token)
			if err := json.Unmarshal(pw.Body.Bytes(), &p); err != nil || len(p.Records) == 0 {
				break
			}
			for _, r := range p.Records {
				want = append(want, r.Id)
			}
		}
		if len(want) == 0 || !slices.Equal(got, want) {
			t.Errorf("export ?%s as %s = %d records; the pages hold %d (equal: %t)", c.query, c.token, len(got), len(want), slices.Equal(got, want))
		}
	}
}

// TestStatsMatchesReference compares the stats endpoint with storetest.Stats.
func TestStatsMatchesReference(t *testing.T) {
	s, records := sampleServer(t)
	requireReports(t, s)
	for _, c := range []struct{ token, query string }{
		{"admin", "groupBy=BusinessId"},
		{"admin", "groupBy=Day,Source&FailedCheckin_Description=plan"},
		{"lister", "groupBy=Hour"},
		{"admin", "groupBy=coworkerid&from_FailedCheckin_CheckinAttemptTime=2025-01-01"},
	} {
		q, err := searchparams.FailedCheckins.Parse(c.query)
		if err != nil {
			t.Fatal(err)
		}
		groupBy, err := parseGroupBy(c.query)
		if err != nil {
			t.Fatal(err)
		}
		caller, _ := fakeAuth{}.Authenticate(authRequest(c.token))
		want, _ := json.Marshal(toStatsJSON(storetest.Stats(records, fc.StatsQuery{Scope: caller.Scope, Conditions: q.Conditions, GroupBy: groupBy}), caller))
		w := do(t, s.Handler(), "GET", searchPath+"/stats?"+c.query, c.token)
		if w.Code != 200 || strings.TrimSpace(w.Body.String()) != string(want) {
			t.Errorf("stats ?%s as %s = %d %.300s; want %.300s", c.query, c.token, w.Code, w.Body, want)
		}
	}
	for _, bad := range []string{"", "groupBy=Colour", "groupBy=Day,Day", "groupBy=Day,Hour,Reason", "groupBy=Day&FailedCheckin_Nope=1"} {
		if w := do(t, s.Handler(), "GET", searchPath+"/stats?"+bad, "admin"); w.Code != http.StatusBadRequest {
			t.Errorf("stats ?%s = %d; want 400", bad, w.Code)
		}
	}
	if w := do(t, s.Handler(), "GET", searchPath+"/export?format=xml", "admin"); w.Code != http.StatusBadRequest {
		t.Errorf("export ?format=xml = %d; want 400", w.Code)
	}
	if w := do(t, s.Handler(), "GET", searchPath+"/stats?groupBy=Day", "reader"); w.Code != http.StatusForbidden {
		t.Errorf("stats without FailedCheckin-List = %d; want 403", w.Code)
	}
}

// heapWriter discards the export and samples the live heap as it goes.
type heapWriter struct {
	h       http.Header
	n, rows int
	peak    uint64
	status  int
}

func (w *heapWriter) Header() http.Header { return w.h }
func (w *heapWriter) WriteHeader(s int)   { w.status = s }
func (w *heapWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	if w.rows++; w.rows%2000 == 0 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		w.peak = max(w.peak, ms.HeapAlloc)
	}
	return len(p), nil
}

// TestExportConstantMemory exports 200,000 rows and checks that the live
// heap (after GC, sampled during the download) grows by far less than the
// size of the export: the records are streamed, never held. The bound is
// generous (16 MiB against ~70 MB of CSV) so that it tests the design and
// not the allocator.
func TestExportConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 200,000 rows")
	}
	const rows = 200_000
	ctx := context.Background()
	db := teststore.Open(t) // SQLite, or PostgreSQL by FAILEDCHECKINS_TEST_DB
	if _, err := db.CreateFailedCheckins(ctx, demo.Generate(1, rows, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))); err != nil {
		t.Fatal(err)
	}
	s := New(Config{Store: db, Authenticator: fakeAuth{}})
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	w := &heapWriter{h: http.Header{}}
	req := httptest.NewRequest("GET", searchPath+"/export?format=csv&orderBy=CheckinAttemptTime", nil)
	req.Header.Set("Authorization", "Bearer admin")
	s.Handler().ServeHTTP(w, req)
	growth := int64(w.peak) - int64(before.HeapAlloc)
	t.Logf("exported %d bytes; live heap before %d KiB, peak during %d KiB (growth %d KiB)", w.n, before.HeapAlloc>>10, w.peak>>10, growth>>10)
	if w.n < rows*100 {
		t.Fatalf("export wrote %d bytes; want at least %d (status %d)", w.n, rows*100, w.status)
	}
	if growth > 16<<20 {
		t.Errorf("live heap grew by %d MiB during a %d MiB export; want under 16 MiB (streamed)", growth>>20, w.n>>20)
	}
}

// requireReports fails when the test store (FAILEDCHECKINS_TEST_DB) has no
// export and statistics: both stores must have them, so the tests run on
// each rather than skip.
func requireReports(t *testing.T, s *Server) {
	t.Helper()
	if _, ok := s.store.(fc.FailedCheckinReportStore); !ok {
		t.Fatalf("store %T has no FailedCheckinReportStore", s.store)
	}
}
