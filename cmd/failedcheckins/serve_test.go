package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/demo"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

var addrRE = regexp.MustCompile(`addr=(\S+)`)

// waitForAddr polls the log for the address the server listens on.
func waitForAddr(t *testing.T, log *syncBuffer, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute) // generous: the machine is shared
	for time.Now().Before(deadline) {
		if m := addrRE.FindStringSubmatch(log.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve returned %v before listening; log:\n%s", err, log)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("no listening address logged within the deadline; log:\n%s", log)
	return ""
}

// serveInProcess runs serve with args (after "serve") in this process
// until stop, which ends it and fails the test if it does not return
// nil within a minute; it returns the base URL and the server's log.
func serveInProcess(t *testing.T, args ...string) (base string, log *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	log = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), nil, io.Discard, log) }()
	stopped := false
	// A test that fails before stop still ends serve and waits for it, so
	// it no longer holds the database when t.TempDir's removal (an earlier
	// cleanup, so a later one to run) deletes it.
	t.Cleanup(func() {
		cancel()
		if !stopped {
			select {
			case <-done:
			case <-time.After(time.Minute):
			}
		}
	})
	base = "http://" + waitForAddr(t, log, done)
	return base, log, func() {
		t.Helper()
		cancel()
		stopped = true
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve = %v; log:\n%s", err, log.String())
			}
		case <-time.After(time.Minute):
			t.Fatal("serve did not stop")
		}
	}
}

// getAs sends GET url with Basic auth and wants a 200 within a minute.
func getAs(t *testing.T, url, user, password string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, password)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s = %d; want 200", url, resp.StatusCode)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s = %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading body: %v", url, err)
	}
	return resp.StatusCode, string(body)
}

func TestServeDemo(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var log syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--demo"}, nil, io.Discard, &log)
	}()
	base := "http://" + waitForAddr(t, &log, done)

	if status, body := get(t, base+"/healthz"); status != http.StatusOK {
		t.Errorf("GET /healthz = %d %s; want 200", status, body)
	}
	// Until authentication is wired in, a search without credentials must
	// be refused as JSON (proof that the API, not a stub, answers).
	status, body := get(t, base+"/api/spaces/failedcheckins?size=1")
	if status != http.StatusUnauthorized || !strings.Contains(body, `"WasSuccessful":false`) {
		t.Errorf("GET search without credentials = %d %s; want 401 with the error body", status, body)
	}
	checkMalformedAnswers(t, base)

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve after cancel = %v; want nil (a clean shutdown); log:\n%s", err, log.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop within a minute of ctx being cancelled")
	}
	if n := countRecords(t, db); n != demo.DefaultSize {
		t.Errorf("records after serve --demo = %d; want %d", n, demo.DefaultSize)
	}
}

func TestLoadDemoLeavesFullDatabaseAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fc.db")
	if _, _, err := runCmd(t, "import", "--db", path, sampleCSV); err != nil {
		t.Fatalf("import sample = %v", err)
	}
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var log strings.Builder
	if err := loadDemo(t.Context(), db, slog.New(slog.NewTextHandler(&log, nil)), time.Now()); err != nil {
		t.Fatalf("loadDemo on a full database = %v; want nil", err)
	}
	if n, want := countRecords(t, path), sampleRows(t); n != want {
		t.Errorf("records after loadDemo on a full database = %d; want %d (unchanged)", n, want)
	}
	if !strings.Contains(log.String(), "loads nothing") {
		t.Errorf("log = %q; want it to say the demo loads nothing", log.String())
	}
}

// TestServeHTTPFinishesInFlight cancels the server while a request is
// running and checks that the request still gets its answer.
func TestServeHTTPFinishesInFlight(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var log syncBuffer
	cfg := defaultServeConfig()
	cfg.Addr = "127.0.0.1:0"
	shuttingDown := make(chan struct{})
	cfg.onShutdown = func() { close(shuttingDown) }
	done := make(chan error, 1)
	go func() { done <- serveHTTP(ctx, cfg, handler, slog.New(slog.NewTextHandler(&log, nil))) }()
	base := "http://" + waitForAddr(t, &log, done)

	type answer struct {
		status int
		body   string
		err    error
	}
	answers := make(chan answer, 1)
	go func() { // t.Fatal may not be called here, so errors travel back
		resp, err := http.Get(base + "/slow")
		if err != nil {
			answers <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		answers <- answer{resp.StatusCode, string(body), err}
	}()
	<-started
	cancel()
	<-shuttingDown // Shutdown has begun while the request is still running
	close(release)
	if a := <-answers; a.err != nil || a.status != http.StatusOK || a.body != "finished" {
		t.Errorf("in-flight request during shutdown = %d %q, %v; want 200 \"finished\"", a.status, a.body, a.err)
	}
	if err := <-done; err != nil {
		t.Errorf("serveHTTP after cancel = %v; want nil", err)
	}
}

// checkMalformedAnswers checks that requests net/http or the mux
// would answer themselves (an unclean path: a text/html redirect; a long
// query: a plain 431) get the API's JSON error with a request id.
func checkMalformedAnswers(t *testing.T, base string) {
	t.Helper()
	for _, tc := range []struct {
		target string
		status int
	}{
		{"/api/spaces/failedcheckins//1", http.StatusNotFound},
		{"/console/./x", http.StatusNotFound},
		{"/api/spaces/failedcheckins?Name=" + strings.Repeat("a", 70<<10), http.StatusRequestURITooLong},
	} {
		resp, err := http.Get(base + tc.target)
		if err != nil {
			t.Fatalf("GET %.60s = %v", tc.target, err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" ||
			resp.Header.Get("X-Request-Id") == "" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %.60s = %d %s %.200s (X-Request-Id %q); want JSON %d with a request id and security headers",
				tc.target, resp.StatusCode, resp.Header.Get("Content-Type"), body, resp.Header.Get("X-Request-Id"), tc.status)
		}
	}
}
