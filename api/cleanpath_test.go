package api

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// checkJSONError fails unless w is a JSON error with the given status and
// message, carrying a request id and the security headers.
func checkJSONError(t *testing.T, what string, status int, header http.Header, body []byte, wantStatus int, wantMsg string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s = %d %s; want %d", what, status, body, wantStatus)
	}
	if ct := header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: Content-Type = %q; want JSON", what, ct)
	}
	if id := header.Get("X-Request-Id"); len(id) != 32 {
		t.Errorf("%s: X-Request-Id = %q; want a 32-digit id", what, id)
	}
	if got := header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: X-Content-Type-Options = %q; want nosniff", what, got)
	}
	var e errorJSON
	if err := json.Unmarshal(body, &e); err != nil || e.Status != wantStatus || e.Message != wantMsg {
		t.Errorf("%s: body %s (%v); want Status %d, Message %q", what, body, err, wantStatus, wantMsg)
	}
}

func TestUncleanPathIsJSON404(t *testing.T) {
	handlers := map[string]http.Handler{"api": newTestServer(t, nil).Handler(),
		"api and console": New(Config{Store: newStore(t), Authenticator: fakeAuth{}, Console: fakeConsole{}}).Handler()}
	for name, h := range handlers {
		for _, target := range []string{searchPath + "//1", searchPath + "/./1", "/api/spaces/../spaces/failedcheckins/1",
			"//healthz", searchPath + "/1/.", "/other//x"} {
			w := do(t, h, "GET", target, "admin")
			checkJSONError(t, name+" GET "+target, w.Code, w.Header(), w.Body.Bytes(), http.StatusNotFound, msgNotFound)
		}
		// A trailing slash is not unclean: /x/ is its own (unknown) path,
		// answered by the catch-all, and clean paths still reach the routes.
		if w := do(t, h, "GET", searchPath+"/", "admin"); w.Code != http.StatusNotFound {
			t.Errorf("%s GET %s/ = %d; want 404", name, searchPath, w.Code)
		}
		if w := do(t, h, "GET", searchPath+"/1", "admin"); w.Code != http.StatusOK {
			t.Errorf("%s GET %s/1 = %d %s; want 200", name, searchPath, w.Code, w.Body)
		}
	}
}

func TestCleanPathKeepsTrailingSlash(t *testing.T) {
	for in, want := range map[string]string{"": "/", "/": "/", "/console/": "/console/", "/a//b/": "/a/b/",
		"/a/./b": "/a/b", "/a/../b": "/b", "a": "/a", "/a/b/..": "/a"} {
		if got := cleanPath(in); got != want {
			t.Errorf("cleanPath(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestLongQueryIsJSON414(t *testing.T) {
	s := newTestServer(t, nil)
	long := searchPath + "?Name=" + strings.Repeat("a", 70<<10)
	w := do(t, s.Handler(), "GET", long, "admin")
	checkJSONError(t, "GET 70 KB query", w.Code, w.Header(), w.Body.Bytes(), http.StatusRequestURITooLong,
		"the query string is longer than 65536 bytes")
	// An undocumented path gets the same answer.
	w = do(t, s.Handler(), "GET", "/nope?q="+strings.Repeat("a", 70<<10), "admin")
	checkJSONError(t, "GET /nope 70 KB query", w.Code, w.Header(), w.Body.Bytes(), http.StatusRequestURITooLong,
		"the query string is longer than 65536 bytes")
	if w := do(t, s.Handler(), "GET", searchPath+"?Name="+strings.Repeat("a", 10<<10), "admin"); w.Code != http.StatusOK {
		t.Errorf("GET 10 KB query = %d %s; want 200", w.Code, w.Body)
	}
}

// TestLongQueryOverRealServer checks that the server of NewHTTPServer lets
// a 70 KB query through to the API (net/http would answer a plain 431 if
// its header limit were below it).
func TestLongQueryOverRealServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewHTTPServer(ln.Addr().String(), newTestServer(t, nil).Handler())
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	for _, tc := range []struct {
		size, status int
	}{{10 << 10, http.StatusOK}, {70 << 10, http.StatusRequestURITooLong}} {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+searchPath+"?Name="+strings.Repeat("a", tc.size), nil)
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("X-Request-Id") == "" ||
			resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
			t.Errorf("GET %d-byte query = %d %s (X-Request-Id %q); want JSON %d with a request id",
				tc.size, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("X-Request-Id"), tc.status)
		}
	}
}
