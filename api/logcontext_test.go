package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLogHandlerAddsRequestID: a line logged with the request's context
// inside a request carries the id the client got in X-Request-Id, once,
// also when the line names it itself; a line logged without a request's
// context gets none.
func TestLogHandlerAddsRequestID(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(LogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "test")
	h := withRequestID(newRequestIDs(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		logger.ErrorContext(r.Context(), "inside", "err", "boom")
		logger.InfoContext(r.Context(), "named", "request_id", requestID(r.Context()))
		logger.Info("no context")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/console/failedcheckins", nil))
	id := rec.Header().Get("X-Request-Id")
	if id == "" {
		t.Fatal("no X-Request-Id")
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("logged %d lines; want 3:\n%s", len(lines), buf.String())
	}
	for i, want := range []string{id, id, ""} {
		var m map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &m); err != nil {
			t.Fatal(err)
		}
		got, _ := m["request_id"].(string)
		if got != want || m["component"] != "test" {
			t.Errorf("line %d: %s; want request_id %q and the logger's own attributes", i+1, lines[i], want)
		}
		if n := strings.Count(lines[i], `"request_id"`); n > 1 {
			t.Errorf("line %d names request_id %d times: %s", i+1, n, lines[i])
		}
	}
}
