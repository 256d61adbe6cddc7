package console_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/console"
)

// downStore is the console's store with a switch that makes the database
// unreachable: every call the console makes on a page then fails as a
// store's classified outage does (sqlstore.Classify).
type downStore struct {
	console.Store
	down *atomic.Bool
}

func (s downStore) err() error {
	if s.down.Load() {
		return fc.Errorf(fc.ErrUnavailable, "cannot reach db.internal:5432")
	}
	return nil
}

func (s downStore) FindUserByConsoleSession(ctx context.Context, tokenHash string, now time.Time) (*fc.User, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.FindUserByConsoleSession(ctx, tokenHash, now)
}

func (s downStore) FindFailedCheckins(ctx context.Context, q fc.Query) (*fc.FailedCheckinPage, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.FindFailedCheckins(ctx, q)
}

func (s downStore) CountFailedCheckins(ctx context.Context, q fc.StatsQuery) (*fc.StatsResult, error) {
	if err := s.err(); err != nil {
		return nil, err
	}
	return s.Store.CountFailedCheckins(ctx, q)
}

// TestUnavailableIs503 (issue 18 item 6, the console's part): while the
// database is unreachable a signed-in page is a 503 with Retry-After that
// says nothing of the cause, not a 500 and not a sign-out; when the
// database is back the same session works again.
func TestUnavailableIs503(t *testing.T) {
	var down atomic.Bool
	e := newEnvWith(t, func(_ envStore, cfg *console.Config) {
		cfg.Store = downStore{cfg.Store, &down}
	})
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	down.Store(true)
	for _, path := range []string{"/console/failedcheckins", "/console/failedcheckins/export"} {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("GET %s with the database down = %d (Retry-After %q); want 503 with Retry-After",
				path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if code, body := get(t, c, e.srv.URL+"/console/failedcheckins"); strings.Contains(body, "5432") || strings.Contains(body, "db.internal") {
		t.Errorf("the 503 page (%d) shows the cause", code)
	}
	down.Store(false)
	if code, _ := get(t, c, e.srv.URL+"/console/failedcheckins"); code != http.StatusOK {
		t.Errorf("GET /console/failedcheckins with the database back = %d; want 200 in the same session", code)
	}
}
