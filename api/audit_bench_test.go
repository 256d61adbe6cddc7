package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// BenchmarkAudit measures what auditing costs a search: the q1 shape (one
// location over a time range, newest first, a page of 25) and q5 (get one
// by id), each with the Auditor off and on, through the whole Handler
// with the real bearer-token Auth over the 2,000-record sample. Besides
// ns/op (the request goroutine) it reports cpu-us/op: the process's CPU
// time (user + system, getrusage) per request, which includes the
// Auditor's writer goroutine and its database writes, flushed before the
// clock stops. PRIVACY.md allows auditing at most +10% of that.
// Run the four alternately in one session (docs/benchmarks.md, "Audit").
func BenchmarkAudit(b *testing.B) {
	for _, shape := range []string{"q1", "q5"} {
		for _, mode := range []string{"off", "on"} {
			b.Run(shape+"/"+mode, func(b *testing.B) { benchmarkAudit(b, shape, mode == "on") })
		}
	}
}

// auditBench is the setup of BenchmarkAudit: one store with the sample,
// an administrator's token, the request of a shape, and the Handler
// with the Auditor off or on.
type auditBench struct {
	db      auditStore
	cfg     Config
	token   string
	busiest int64
	middle  int64
}

func newAuditBench(b *testing.B) *auditBench {
	ctx := context.Background()
	db, ok := teststore.Open(b).(auditStore)
	if !ok {
		b.Fatal("the test store has no audit trail")
	}
	records := storetest.Sample(b)
	if _, err := db.CreateFailedCheckins(ctx, seq(records)); err != nil {
		b.Fatal(err)
	}
	counts := map[int64]int{}
	for _, r := range records {
		counts[r.BusinessID]++
	}
	busiest := records[0].BusinessID
	for id, n := range counts {
		if n > counts[busiest] {
			busiest = id
		}
	}
	u := &fc.User{Email: "bench@example.com", PasswordHash: "unused", Admin: true, Enabled: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	svc := signin.New(signin.Config{Users: db, Tokens: db, Failures: db, RateLimit: 1e9, RateBurst: 1 << 30})
	tok, err := svc.Issue(ctx, u, "")
	if err != nil {
		b.Fatal(err)
	}
	return &auditBench{db: db, token: tok.Access, busiest: busiest, middle: records[len(records)/2].ID,
		cfg: Config{Store: db, Authenticator: NewAuth(svc, nil), Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}}
}

// handler returns the Handler with the Auditor on or off (nil).
func (ab *auditBench) handler(b *testing.B, on bool) (http.Handler, *audit.Auditor) {
	cfg := ab.cfg
	if on {
		cfg.Auditor = audit.New(ab.db, audit.Options{})
		b.Cleanup(func() { _ = cfg.Auditor.Close(context.Background()) })
	}
	return New(cfg).Handler(), cfg.Auditor
}

// request is the shape's request: q1 a page of 25 of the busiest
// location by time, newest first; q5 one record by id.
func (ab *auditBench) request(shape string) *http.Request {
	target := fmt.Sprintf("%s/%d", searchPath, ab.middle)
	if shape == "q1" {
		target = fmt.Sprintf("%s?FailedCheckin_Business=%d&from_FailedCheckin_CheckinAttemptTime=2020-01-01T00:00&orderBy=CheckinAttemptTime&dir=1&page=1&size=25",
			searchPath, ab.busiest)
	}
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Authorization", "Bearer "+ab.token)
	return r
}

func serveOK(b *testing.B, h http.Handler, r *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		b.Fatalf("GET %s = %d %s", r.URL, w.Code, w.Body)
	}
}

func benchmarkAudit(b *testing.B, shape string, on bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute) // a stuck Flush fails, not hangs
	defer cancel()
	ab := newAuditBench(b)
	h, a := ab.handler(b, on)
	r := ab.request(shape)
	serveOK(b, h, r)
	if err := a.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		serveOK(b, h, r)
	}
	if err := a.Flush(ctx); err != nil { // the writes of the last batch count too
		b.Fatal(err)
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}

// BenchmarkAuditPairs runs the off and on Handlers of a shape over one
// store in alternating blocks of requests (each on block ends with its
// batch written), so that the load of a shared machine, which drifts over
// seconds, falls alike on both. One iteration is one pair of blocks, and
// the pairs alternate their order (off then on, on then off: ABBA), so
// that neither half always follows the other (its garbage, its WAL
// growth); a block is some 100 ms of requests (auditPairBlock). Besides
// the CPU per request of each half over the whole run it reports
// on/off-median, the median of the pairs' ratios, which one pair slowed
// by a neighbour's build cannot move: the figure to quote
// (docs/benchmarks.md, "Audit"). Run it with -benchtime 20x or more: an
// iteration is two blocks, some 4,000 requests of q5, not one request,
// so a count meant for BenchmarkAudit runs for hours. -bench matches
// each level of a name unanchored: 'BenchmarkAudit/q5' selects this
// benchmark's q5 too; select BenchmarkAudit alone with
// '^BenchmarkAudit$/q5'.
func BenchmarkAuditPairs(b *testing.B) {
	for _, shape := range []string{"q1", "q5"} {
		b.Run(shape, func(b *testing.B) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			ab := newAuditBench(b)
			off, _ := ab.handler(b, false)
			on, a := ab.handler(b, true)
			r := ab.request(shape)
			block := auditPairBlock[shape]
			// Warm both halves (the first requests parse statements
			// and fill caches) before anything is counted.
			for range block / 4 {
				serveOK(b, off, r)
				serveOK(b, on, r)
			}
			if err := a.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			// Each half runs under a profiler label (half=off, half=on),
			// so that -cpuprofile tells them apart (go tool pprof
			// -tagfocus half=on); the Auditor's own goroutine is
			// unlabelled.
			run := func(h http.Handler, audited bool) (d time.Duration) {
				pprof.Do(ctx, pprof.Labels("half", map[bool]string{false: "off", true: "on"}[audited]), func(context.Context) {
					t0 := cpuTime()
					for range block {
						serveOK(b, h, r)
					}
					if audited {
						if err := a.Flush(ctx); err != nil { // its batch's writes count
							b.Fatal(err)
						}
					}
					d = cpuTime() - t0
				})
				return d
			}
			var cpuOff, cpuOn time.Duration
			var ratios []float64
			pair := 0
			for b.Loop() {
				var dOff, dOn time.Duration
				if pair%2 == 0 {
					dOff = run(off, false)
					dOn = run(on, true)
				} else {
					dOn = run(on, true)
					dOff = run(off, false)
				}
				pair++
				cpuOff += dOff
				cpuOn += dOn
				if dOff > 0 {
					ratios = append(ratios, float64(dOn)/float64(dOff))
				}
			}
			n := float64(pair * block)
			b.ReportMetric(float64(cpuOff.Microseconds())/n, "off-cpu-us/req")
			b.ReportMetric(float64(cpuOn.Microseconds())/n, "on-cpu-us/req")
			b.ReportMetric(float64(cpuOn)/float64(cpuOff), "on/off-total")
			b.ReportMetric(medianOf(ratios), "on/off-median")
			b.ReportMetric(float64(len(ratios)), "pairs")
		})
	}
}

// auditPairBlock is the requests of one block of BenchmarkAuditPairs by
// shape: some 100 ms of CPU each (q1 ~400 us a request, q5 ~50 us), long
// enough for getrusage's resolution and short enough for the load of a
// shared machine to change little within a pair.
var auditPairBlock = map[string]int{"q1": 250, "q5": 2000}

// medianOf is the median of vs (the mean of the middle two for an even
// count); 0 for none.
func medianOf(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// cpuTime is the CPU time (user and system) of the process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAuditWrite measures what one entry costs the Auditor and the
// store (SQLite, or PostgreSQL's client side): Record, then the batched
// INSERTs, as cpu-us/op of the whole process.
func BenchmarkAuditWrite(b *testing.B) {
	db, ok := teststore.Open(b).(auditStore)
	if !ok {
		b.Fatal("the test store has no audit trail")
	}
	a := audit.New(db, audit.Options{})
	defer a.Close(context.Background())
	ctx := context.Background()
	e := fc.AuditEntry{UserEmail: "bench@example.com", ClientAddress: "192.0.2.1", Channel: fc.ChannelAPI, Method: "GET",
		Path: searchPath, Query: "FailedCheckin_Business=1001&from_FailedCheckin_CheckinAttemptTime=2020-01-01T00:00&orderBy=CheckinAttemptTime&dir=1&page=1&size=25",
		Status: 200, ResultCount: 25}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		a.Record(ctx, e)
	}
	if err := a.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-us/op")
}
