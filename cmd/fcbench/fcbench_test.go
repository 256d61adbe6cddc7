package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestShapes: every shape's store query builds (so the floor measures the
// same search), names are unique, and a list selects by name.
func TestShapes(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range slices.Concat(benchShapes(), extraShapes(), sortShapes()) {
		if seen[s.name] {
			t.Errorf("shape %s appears twice", s.name)
		}
		seen[s.name] = true
		if s.query.Size == 0 {
			continue
		}
		if _, err := sqlstore.BuildFind(sqlstore.SQLite(), s.query); err != nil {
			t.Errorf("shape %s: BuildFind error %v", s.name, err)
		}
	}
	got, err := selectShapes("q2, x1-name-sort")
	if err != nil || len(got) != 2 || got[0].name != "q2" || got[1].name != "x1-name-sort" {
		t.Errorf("selectShapes = %v, %v; want q2 and x1-name-sort", got, err)
	}
	if _, err := selectShapes("q9"); err == nil {
		t.Error("selectShapes(q9) error = nil; want an unknown shape error")
	}
}

// TestFigures: percentiles index the sorted latencies, median takes the
// middle one or the mean of the middle two, CPU per request is in
// milliseconds.
func TestFigures(t *testing.T) {
	r := result{requests: 4, cpu: 2 * time.Millisecond, lats: []time.Duration{1, 2, 3, 100}}
	if got := r.percentile(50); got != 2 {
		t.Errorf("percentile(50) = %v; want 2", got)
	}
	if got := r.percentile(100); got != 100 {
		t.Errorf("percentile(100) = %v; want 100", got)
	}
	if got := r.cpuPerRequest(); got != 0.5 {
		t.Errorf("cpuPerRequest = %v; want 0.5", got)
	}
	if got := median([]float64{3, 1, 2, 4}); got != 2.5 {
		t.Errorf("median(3 1 2 4) = %v; want 2.5", got)
	}
	if got := median([]float64{3, 1, 2, 5, 4}); got != 3 {
		t.Errorf("median(3 1 2 5 4) = %v; want 3", got)
	}
}

// TestServerCPU reads this process's own /proc entry through the same
// parser the tool uses for the server.
func TestServerCPU(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn some CPU so the figure is above zero
	}
	cpu, err := procCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Errorf("procCPU(self) = %v, %v; want a positive duration, nil", cpu, err)
	}
}

// read parses one answer from text with the load client's parser.
func read(t *testing.T, r *bufio.Reader) (int, bool, string, error) {
	t.Helper()
	var body []byte
	status, keep, err := readResponse(r, &body)
	return status, keep, string(body), err
}

// TestReadResponse: Content-Length and chunked bodies, keep-alive and
// close, two answers back to back on one connection.
func TestReadResponse(t *testing.T) {
	in := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\ncontent-length: 5\r\n\r\nhello" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: a\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}" +
		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n" +
		"HTTP/1.1 204 No Content\r\n\r\n" +
		"HTTP/1.1 200 OK\r\n\r\nto the end"
	r := bufio.NewReader(strings.NewReader(in))
	for i, want := range []struct {
		status int
		keep   bool
		body   string
	}{{200, true, "hello"}, {200, true, "hello world"}, {404, false, "{}"}, {200, false, ""}, {204, true, ""}, {200, false, "to the end"}} {
		status, keep, body, err := read(t, r)
		if err != nil || status != want.status || keep != want.keep || body != want.body {
			t.Errorf("answer %d = %d, keep %v, %q, %v; want %d, keep %v, %q, nil", i, status, keep, body, err, want.status, want.keep, want.body)
		}
	}
	// Discarding the body (nil) reads the same bytes.
	r = bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"))
	for _, want := range []int{200, 201} {
		if status, _, err := readResponse(r, nil); err != nil || status != want {
			t.Errorf("readResponse(nil body) = %d, %v; want %d, nil", status, err, want)
		}
	}
}

// TestReadResponseMalformed: answers that are not HTTP/1.1 fail.
func TestReadResponseMalformed(t *testing.T) {
	for _, in := range []string{
		"",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 200\r\nContent-Length: 0\r\n\r\n",
		"SSH-2.0-OpenSSH\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n", // headers cut off
	} {
		if status, _, body, err := read(t, bufio.NewReader(strings.NewReader(in))); err == nil {
			t.Errorf("readResponse(%q) = %d, %q, nil; want an error", in, status, body)
		}
	}
}

// TestClient drives a real HTTP server: the token is sent, TotalItems is
// read from a large (chunked) answer and a Content-Length one, a server
// that closes every connection is redialled, and a bad status counts as
// an error on every request and fails the TotalItems check.
func TestClient(t *testing.T) {
	big := `{"TotalItems":8323,"Items":["` + strings.Repeat("x", 100_000) + `"]}`
	mux := http.NewServeMux()
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, big) // no Content-Length: net/http chunks it
	})
	mux.HandleFunc("/length", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "17")
		_, _ = io.WriteString(w, `{"TotalItems":42}`)
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		_, _ = io.WriteString(w, `{"Id":1}`)
	})
	mux.HandleFunc("/fail", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"Status":500}`, http.StatusInternalServerError)
	})
	ts := httptest.NewServer(mux)
	defer ts.Close()
	cl := newClient(ts.URL, "tok", 2)
	for path, want := range map[string]int64{"/chunked": 8323, "/length": 42, "/close": -1} {
		if n, err := cl.totalItems("", path); err != nil || n != want {
			t.Errorf("totalItems(%s) = %d, %v; want %d, nil", path, n, err, want)
		}
	}
	if _, err := newClient(ts.URL, "wrong", 1).totalItems("", "/chunked"); err == nil || !strings.Contains(err.Error(), "HTTP 401") {
		t.Errorf("totalItems with a wrong token: error %v; want HTTP 401", err)
	}
	if _, err := cl.totalItems("", "/fail"); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("totalItems(/fail) error = %v; want HTTP 500", err)
	}
	for _, path := range []string{"/chunked", "/close"} {
		r := cl.run(context.Background(), path, 100*time.Millisecond)
		if r.requests == 0 || r.errors != 0 {
			t.Errorf("run(%s): %d requests, %d errors (%v); want some and none", path, r.requests, r.errors, r.firstErr)
		}
	}
	r := cl.run(context.Background(), "/fail", 100*time.Millisecond)
	if r.requests == 0 || r.errors != r.requests {
		t.Errorf("run(/fail): %d requests, %d errors; want every request an error", r.requests, r.errors)
	}
}

// TestClientMalformed: a server that answers garbage gives errors, not
// a hang or a crash.
func TestClientMalformed(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }() // ends the accept loop; nothing to report
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				buf := make([]byte, 4096)
				for {
					if _, err := c.Read(buf); err != nil {
						return
					}
					if _, err := io.WriteString(c, "HTTP/1.1 OK\r\n\r\n"); err != nil {
						return
					}
				}
			}()
		}
	}()
	cl := newClient("http://"+l.Addr().String(), "tok", 1)
	r := cl.run(context.Background(), "/", 50*time.Millisecond)
	if r.requests == 0 || r.errors != r.requests || !errors.Is(r.firstErr, errMalformed) {
		t.Errorf("run: %d requests, %d errors, first %v; want every request a malformed-answer error", r.requests, r.errors, r.firstErr)
	}
}

// TestFloorSQL: the PostgreSQL floor statements have their arguments as
// literals (text quotes doubled, times in UTC, the page's LIMIT and
// OFFSET), and psql's output is read back into runs.
func TestFloorSQL(t *testing.T) {
	byName := map[string]shape{}
	for _, s := range benchShapes() {
		byName[s.name] = s
	}
	st, err := floorSQL(sqlstore.PostgreSQL(), byName["q1"])
	if err != nil || len(st) != 2 {
		t.Fatalf("floorSQL(q1) = %q, %v", st, err)
	}
	if want := "SELECT count(*) FROM failed_checkins WHERE business_id IN (1001) AND checkin_attempt_time >= '2026-10-02 00:00:00+00'"; st[0] != want {
		t.Errorf("q1 count = %q; want %q", st[0], want)
	}
	if !strings.HasSuffix(st[1], " LIMIT 25 OFFSET 0") || strings.Contains(st[1], "$") {
		t.Errorf("q1 page = %q; want literals and LIMIT 25 OFFSET 0", st[1])
	}
	if st, err := floorSQL(sqlstore.PostgreSQL(), byName["q5"]); err != nil || len(st) != 1 || !strings.HasSuffix(st[0], "WHERE id = 500000") {
		t.Errorf("floorSQL(q5) = %q, %v", st, err)
	}
	if got, err := inlineArgs("a = $1 AND b LIKE $2 AND c = $10", []any{int64(1), `%o'k\%`, 3, 4, 5, 6, 7, 8, 9, "ten"}); err != nil ||
		got != `a = 1 AND b LIKE '%o''k\%' AND c = 'ten'` {
		t.Errorf("inlineArgs = %q, %v", got, err)
	}
	if _, err := inlineArgs("a = $2", []any{1}); err == nil {
		t.Error("inlineArgs with a missing argument: error = nil")
	}
	if _, err := inlineArgs("a = $1", []any{[]int64{1}}); err == nil {
		t.Error("inlineArgs with a slice: error = nil")
	}
	out := []byte("8323\nTime: 1.500 ms\nTime: 0.250 ms\nTime: 0.900 ms\nTime: 1234.125 ms (00:01.234)\nTime: 0.700 ms\nTime: 0.300 ms\n")
	times, total, err := parsePsqlTiming(out, true, 2, 2)
	if err != nil || total != 8323 || len(times) != 2 || times[0] != 1234*time.Millisecond+1025*time.Microsecond || times[1] != time.Millisecond {
		t.Errorf("parsePsqlTiming = %v, %d, %v; want [1235.025ms 1ms], 8323, nil", times, total, err)
	}
	if _, _, err := parsePsqlTiming(out, true, 2, 3); err == nil {
		t.Error("parsePsqlTiming with too few timings: error = nil")
	}
	if got, err := libpqURL("postgres://u@h:5432/db?sslmode=disable&pool_max_conns=4&plan_cache_mode=auto"); err != nil || got != "postgres://u@h:5432/db?sslmode=disable" {
		t.Errorf("libpqURL = %q, %v", got, err)
	}
}

// TestPGBackends: the server's DSN gets an application_name unless it has
// one, and the backends' CPU is the growth of each, new ones from zero.
func TestPGBackends(t *testing.T) {
	got, app, err := withAppName("postgres://u@h/db?sslmode=disable", serverAppName, false)
	if err != nil || app != serverAppName || got != "postgres://u@h/db?application_name=fcbench-server&sslmode=disable" {
		t.Errorf("withAppName = %q, %q, %v", got, app, err)
	}
	if got, app, _ := withAppName("postgres://u@h/db?application_name=mine", serverAppName, false); app != "mine" || got != "postgres://u@h/db?application_name=mine" {
		t.Errorf("withAppName(own name) = %q, %q; want it kept", got, app)
	}
	if _, app, _ := withAppName("postgres://u@h/db?application_name=mine", "mon", true); app != "mon" {
		t.Errorf("withAppName(force) name = %q; want mon", app)
	}
	d, gone := backendDelta(map[int]time.Duration{1: 10, 2: 20, 3: 5}, map[int]time.Duration{1: 15, 2: 20, 4: 7})
	if d != 12 || gone != 1 {
		t.Errorf("backendDelta = %v, %d; want 12, 1", d, gone)
	}
}

// TestClientDeadline: a request after an earlier run's deadline has passed
// gets its own deadline instead of failing on the old one.
func TestClientDeadline(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"TotalItems":1}`)
	}))
	defer ts.Close()
	cl := newClient(ts.URL, "tok", 1)
	k := cl.conns[0]
	if _, err := k.do(buildRequest(cl.host, "/", "tok"), nil, time.Now().Add(20*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	if n, err := cl.totalItems("", "/"); err != nil || n != 1 {
		t.Errorf("totalItems after an old deadline = %d, %v; want 1, nil", n, err)
	}
}

// TestChildEnv: a server's environment drops the audit-off switch
// fcbench inherited, keeps the rest, and has the switch only when it is
// given.
func TestChildEnv(t *testing.T) {
	base := []string{"PATH=/bin", "FAILEDCHECKINS_BENCHMARK_AUDIT_OFF=benchmark-only", "HOME=/root"}
	if got := childEnv(base); !slices.Equal(got, []string{"PATH=/bin", "HOME=/root"}) {
		t.Errorf("childEnv(inherited switch) = %q; want it dropped, the rest kept", got)
	}
	if got := childEnv(base, auditOffEnv); !slices.Equal(got, []string{"PATH=/bin", "HOME=/root", auditOffEnv}) {
		t.Errorf("childEnv(inherited switch, switch) = %q; want the switch once, last", got)
	}
}

// TestCheckAuditEnabled: the audit-pairs' check of a server's
// failedcheckins_audit_enabled passes only for the wanted value, and fails
// for a server that does not report it (a binary without the switch).
func TestCheckAuditEnabled(t *testing.T) {
	for _, c := range []struct {
		metrics string
		on, ok  bool
	}{
		{"# HELP failedcheckins_audit_enabled x\nfailedcheckins_audit_enabled 1\n", true, true},
		{"failedcheckins_audit_enabled 0\n", false, true},
		{"failedcheckins_audit_enabled 1\n", false, false},
		{"failedcheckins_audit_enabled 0\n", true, false},
		{"failedcheckins_audit_enabled_other 0\nfailedcheckins_streams_open 0\n", false, false},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/metrics" {
				http.NotFound(w, r)
				return
			}
			_, _ = io.WriteString(w, c.metrics)
		}))
		err := checkAuditEnabled(srv.URL, c.on)
		srv.Close()
		if (err == nil) != c.ok {
			t.Errorf("checkAuditEnabled(%q, on %v) = %v; want ok %v", c.metrics, c.on, err, c.ok)
		}
	}
}

// TestRandomWithAuditPairs: the two runs are not combined silently.
func TestRandomWithAuditPairs(t *testing.T) {
	err := run(t.Context(), config{bin: "/nonexistent/fcbin", db: "/nonexistent/fc.db", random: 5, auditPairs: 3})
	if err == nil || !strings.Contains(err.Error(), "-audit-pairs") {
		t.Errorf("run(-random 5 -audit-pairs 3) = %v; want an error naming -audit-pairs", err)
	}
}
