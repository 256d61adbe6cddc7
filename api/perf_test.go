package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// BenchmarkGetOne measures the q5 shape (GET one record by id with a bearer
// token) through the whole Handler: the real token Auth over the test
// store, the rate limiter on (with room for every iteration), metrics, and
// a JSON request log. Its allocations per request are the figure to watch;
// the time includes the store's own work.
func BenchmarkGetOne(b *testing.B) {
	ctx := context.Background()
	db := teststore.Open(b)
	if _, err := db.CreateFailedCheckins(ctx, seq(fixtures())); err != nil {
		b.Fatal(err)
	}
	u := &fc.User{Email: "bench@example.com", PasswordHash: "unused", Admin: true, Enabled: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	svc := signin.New(signin.Config{Users: db, Tokens: db, Failures: db, RateLimit: 1e9, RateBurst: 1 << 30})
	auth := NewAuth(svc, nil)
	tok, err := svc.Issue(ctx, u, "")
	if err != nil {
		b.Fatal(err)
	}
	h := New(Config{Store: db, Authenticator: auth, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))}).Handler()
	target := fmt.Sprintf("%s/%d", searchPath, fixtures()[0].ID)
	r := httptest.NewRequest("GET", target, nil)
	r.Header.Set("Authorization", "Bearer "+tok.Access)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s = %d %s", target, w.Code, w.Body)
		}
	}
}

// TestRequestIDs checks the cheap request ids: 32 lowercase hex digits,
// unique under concurrent use, and a different random prefix per Server so
// that two processes (or restarts) do not repeat each other's ids.
func TestRequestIDs(t *testing.T) {
	ids, other := newRequestIDs(), newRequestIDs()
	if a, b := ids.next(), other.next(); a[:16] == b[:16] {
		t.Errorf("two generators share the prefix of %q and %q", a, b)
	}
	const workers, each = 4, 1000
	got := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				got <- ids.next()
			}
		})
	}
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for id := range got {
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" || seen[id] {
			t.Fatalf("id %q: want a fresh 32-digit lowercase hex id", id)
		}
		seen[id] = true
	}
}

// TestSecurityHeadersNotShared checks that the pre-built header values are
// never written through: a handler adding to one response's header must
// not change the next response's.
func TestSecurityHeadersNotShared(t *testing.T) {
	h := securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Cache-Control", "private")
	}))
	for range 2 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if got := w.Header().Values("Cache-Control"); len(got) != 2 || got[0] != "no-store" {
			t.Fatalf("Cache-Control = %q; want [no-store private]", got)
		}
	}
}
