package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/failedcheckins/failedcheckins/signin"
)

// scrape reads /metrics from the loopback address and returns the text.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	r := httptest.NewRequest("GET", MetricsPath, nil)
	r.RemoteAddr = "127.0.0.1:40000"
	w := serveChecked(t, h, r)
	if w.Code != 200 {
		t.Fatalf("GET %s from loopback = %d %s; want 200", MetricsPath, w.Code, w.Body)
	}
	return w.Body.String()
}

// wantSeries checks that every line of want appears in the exposition.
func wantSeries(t *testing.T, text string, want ...string) {
	t.Helper()
	for _, line := range want {
		if !strings.Contains(text, "\n"+line+"\n") {
			t.Errorf("GET /metrics lacks the line\n\t%s", line)
		}
	}
}

func TestMetricsAfterRequests(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("admin@example.com", true, nil)
	pools, ok := any(e.db).(PoolStatsReporter)
	if !ok {
		t.Fatalf("store %T is no PoolStatsReporter; both stores report their pools", e.db)
	}
	h := New(Config{Store: e.db, Authenticator: e.auth, Token: http.HandlerFunc(e.auth.ServeToken), Pools: pools}).Handler()
	send := func(r *http.Request) *httptest.ResponseRecorder {
		r.RemoteAddr = "203.0.113.7:5555"
		return serveChecked(t, h, r)
	}
	form := url.Values{"grant_type": {"password"}, "username": {"admin@example.com"}, "password": {"pw-admin@example.com"}}
	if w := send(newTokenRequest(form)); w.Code != 200 {
		t.Fatalf("password grant = %d %s; want 200", w.Code, w.Body)
	}
	form.Set("password", "wrong")
	send(newTokenRequest(form))
	get := func(target string) {
		r := httptest.NewRequest("GET", target, nil)
		r.Header.Set("Authorization", basic("admin@example.com", "pw-admin@example.com"))
		send(r)
	}
	get(searchPath + "?size=2")
	get(searchPath + "/1")
	get(searchPath + "/2")
	get("/no/such/path/42")

	text := scrape(t, h)
	wantSeries(t, text,
		`failedcheckins_http_requests_total{code="200",route="GET /api/spaces/failedcheckins"} 1`,
		`failedcheckins_http_requests_total{code="200",route="GET /api/spaces/failedcheckins/{id}"} 2`,
		`failedcheckins_http_requests_total{code="404",route="/"} 1`,
		`failedcheckins_http_requests_total{code="200",route="POST /api/token"} 1`,
		`failedcheckins_http_request_duration_seconds_count{route="GET /api/spaces/failedcheckins/{id}"} 2`,
		`failedcheckins_token_requests_total{grant_type="password",outcome="granted"} 1`,
		`failedcheckins_token_requests_total{grant_type="password",outcome="rejected"} 1`,
		`failedcheckins_search_total_items_count{entity="FailedCheckin"} 1`,
		`failedcheckins_search_page_records_bucket{entity="FailedCheckin",le="1"} 0`,
		`failedcheckins_search_page_records_bucket{entity="FailedCheckin",le="10"} 1`,
	)
	// SQLite's pools are "writer" (one connection) and "reader";
	// PostgreSQL's one pool is "postgres".
	if len(pools.PoolStats()) == 0 {
		t.Errorf("store %T reports no pool", e.db)
	}
	for name, st := range pools.PoolStats() {
		wantSeries(t, text, fmt.Sprintf(`failedcheckins_db_pool_max_open_connections{pool=%q} %d`, name, st.MaxOpenConnections))
		if !strings.Contains(text, fmt.Sprintf(`failedcheckins_db_pool_open_connections{pool=%q}`, name)) {
			t.Errorf("GET /metrics lacks the open connections of the pool %s", name)
		}
	}
	if _, isSQLite := pools.PoolStats()["reader"]; isSQLite {
		wantSeries(t, text, `failedcheckins_db_pool_max_open_connections{pool="writer"} 1`)
	}
	for _, raw := range []string{"/api/spaces/failedcheckins/1", "/no/such/path"} {
		if strings.Contains(text, raw) {
			t.Errorf("GET /metrics names the raw path %s; labels must be route patterns", raw)
		}
	}
}

func TestMetricsVerdicts(t *testing.T) {
	s := newTestServer(t, nil)
	for _, reason := range []string{"", "", "PlanExpired", "made-up"} {
		s.Metrics().ObserveVerdict(reason)
	}
	wantSeries(t, scrape(t, s.Handler()),
		`failedcheckins_checkin_verdicts_total{reason="Accepted"} 2`,
		`failedcheckins_checkin_verdicts_total{reason="PlanExpired"} 1`,
		`failedcheckins_checkin_verdicts_total{reason="Other"} 1`,
	)
}

func TestMetricsAccess(t *testing.T) {
	store := newStore(t)
	newHandler := func(allow []netip.Prefix) http.Handler {
		return New(Config{Store: store, Authenticator: fakeAuth{}, MetricsAllow: allow}).Handler()
	}
	cases := []struct {
		name   string
		allow  []netip.Prefix
		addr   string
		token  string
		status int
	}{
		{"loopback by default", nil, "127.0.0.1:1", "", 200},
		{"IPv6 loopback by default", nil, "[::1]:1", "", 200},
		{"IPv4-mapped loopback", nil, "[::ffff:127.0.0.1]:1", "", 200},
		{"elsewhere needs credentials", nil, "203.0.113.7:1", "", 401},
		{"bad credentials", nil, "203.0.113.7:1", "bad", 401},
		{"a non-administrator is refused", nil, "203.0.113.7:1", "lister", 403},
		{"an administrator may", nil, "203.0.113.7:1", "admin", 200},
		{"authenticator outage", nil, "203.0.113.7:1", "broken", 500},
		{"allow-list", []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, "203.0.113.7:1", "", 200},
		{"allow-list excludes loopback", []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}, "127.0.0.1:1", "", 401},
		{"empty allow-list", []netip.Prefix{}, "127.0.0.1:1", "", 401},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", MetricsPath, nil)
		r.RemoteAddr = c.addr
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		w := serveChecked(t, newHandler(c.allow), r)
		if w.Code != c.status {
			t.Errorf("%s: GET %s from %s = %d %s; want %d", c.name, MetricsPath, c.addr, w.Code, w.Body, c.status)
		}
		if c.status == 200 && !strings.Contains(w.Body.String(), "# TYPE go_goroutines gauge") {
			t.Errorf("%s: body lacks the Go runtime series", c.name)
		}
	}
}
