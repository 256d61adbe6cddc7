package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// brokenStore fails every call with an error whose text must never reach a client.
type brokenStore struct{ err error }

func (s brokenStore) FindFailedCheckinByID(context.Context, fc.Scope, int64) (*fc.FailedCheckin, error) {
	return nil, s.err
}
func (s brokenStore) FindFailedCheckins(context.Context, fc.Query) (*fc.FailedCheckinPage, error) {
	return nil, s.err
}
func (s brokenStore) CreateFailedCheckins(context.Context, iter.Seq2[*fc.FailedCheckin, error]) (int, error) {
	return 0, s.err
}

func TestSecurityHeadersAndRequestID(t *testing.T) {
	s := newTestServer(t, nil)
	seen := map[string]bool{}
	for _, target := range []string{searchPath, searchPath + "/1", "/healthz", "/nope"} {
		w := do(t, s.Handler(), "GET", target, "admin")
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
			if got := w.Header().Get(k); got != v {
				t.Errorf("GET %s: %s = %q; want %q", target, k, got, v)
			}
		}
		id := w.Header().Get("X-Request-Id")
		if len(id) != 32 || seen[id] {
			t.Errorf("GET %s: X-Request-Id = %q; want a fresh 32-digit hex id", target, id)
		}
		seen[id] = true
	}
}

func TestPanicIsJSON500(t *testing.T) {
	var log bytes.Buffer
	s := New(Config{Store: brokenStore{}, Authenticator: fakeAuth{}, Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	h := s.wrap(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret panic detail") }))
	w := do(t, h, "GET", "/boom", "")
	id := w.Header().Get("X-Request-Id")
	if w.Code != 500 || id == "" || strings.Contains(w.Body.String(), "secret") {
		t.Fatalf("panicking handler = %d, X-Request-Id %q, body %s; want 500 with an id and no panic text", w.Code, id, w.Body)
	}
	if want := `{"Status":500,"Message":"An internal error occurred.","WasSuccessful":false,"Errors":[]}`; strings.TrimSpace(w.Body.String()) != want {
		t.Errorf("body = %s; want %s", w.Body, want)
	}
	if !strings.Contains(log.String(), "secret panic detail") || !strings.Contains(log.String(), id) {
		t.Errorf("log = %s; want the panic and the request id %s", log.String(), id)
	}
	if !strings.Contains(log.String(), `"status":500`) {
		t.Errorf("log = %s; want the request line with status 500", log.String())
	}
}

func TestInternalErrorIsLoggedNotShown(t *testing.T) {
	var log bytes.Buffer
	s := New(Config{Store: brokenStore{err: errors.New("sqlite: SELECT * FROM secret_table: disk I/O error")},
		Authenticator: fakeAuth{}, Logger: slog.New(slog.NewJSONHandler(&log, nil))})
	for _, target := range []string{searchPath, searchPath + "/1"} {
		log.Reset()
		w := do(t, s.Handler(), "GET", target, "admin")
		id := w.Header().Get("X-Request-Id")
		if w.Code != 500 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), `"Message":"An internal error occurred."`) {
			t.Errorf("GET %s with a broken store = %d %s; want 500 with a generic message", target, w.Code, w.Body)
		}
		if n := strings.Count(log.String(), "secret_table"); n != 1 || !strings.Contains(log.String(), id) {
			t.Errorf("log = %s; want the detail once, with request id %s", log.String(), id)
		}
	}
}

func TestUnavailableStoreIs503(t *testing.T) {
	s := New(Config{Store: brokenStore{err: fc.Errorf(fc.ErrUnavailable, "database /srv/secret.db is locked")}, Authenticator: fakeAuth{}})
	w := do(t, s.Handler(), "GET", searchPath, "admin")
	if w.Code != 503 || strings.Contains(w.Body.String(), "secret") || w.Header().Get("Retry-After") != retryUnavailableSeconds {
		t.Errorf("unavailable store = %d %s (Retry-After %q); want 503 without the detail, with Retry-After", w.Code, w.Body, w.Header().Get("Retry-After"))
	}
}

func TestReadyz(t *testing.T) {
	s := New(Config{Store: brokenStore{}, Authenticator: fakeAuth{}, Ready: func(context.Context) error {
		return errors.New("schema version 3 is behind 4 at /srv/secret.db")
	}})
	w := do(t, s.Handler(), "GET", "/readyz", "")
	if w.Code != 503 || strings.Contains(w.Body.String(), "secret") || !strings.Contains(w.Body.String(), `"Status":503`) || w.Header().Get("Retry-After") == "" {
		t.Errorf("GET /readyz when not ready = %d %s; want a JSON 503 without the reason", w.Code, w.Body)
	}
	if w := do(t, s.Handler(), "GET", "/healthz", ""); w.Code != 200 {
		t.Errorf("GET /healthz when not ready = %d; want 200 (alive)", w.Code)
	}
}

func TestRequestLog(t *testing.T) {
	var log bytes.Buffer
	s := newTestServer(t, &log)
	w := do(t, s.Handler(), "GET", searchPath+"/1", "admin")
	line := log.String()
	for _, want := range []string{`"method":"GET"`, `"route":"GET /api/spaces/failedcheckins/{id}"`, `"status":200`, `"duration":`,
		`"request_id":"` + w.Header().Get("X-Request-Id") + `"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log = %s; want %s", line, want)
		}
	}
}

func TestBodyLimit(t *testing.T) {
	s := New(Config{Store: brokenStore{}, Authenticator: fakeAuth{}, MaxBodyBytes: 10})
	h := s.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	for body, want := range map[string]int{"0123456789": 204, "0123456789A": 413} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("POST", "/echo", strings.NewReader(body)))
		if w.Code != want {
			t.Errorf("POST %d bytes with a 10-byte limit = %d %s; want %d", len(body), w.Code, w.Body, want)
		}
	}
	if New(Config{}).maxBodyBytes != DefaultMaxBodyBytes {
		t.Errorf("default body limit = %d; want %d", New(Config{}).maxBodyBytes, DefaultMaxBodyBytes)
	}
}
