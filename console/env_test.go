package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

const password = "correct horse battery staple"

// env is a whole server as serve wires it (API and console on one mux)
// over the 2,000-row sample, with an administrator and a manager bound to
// one location. The store is SQLite, or PostgreSQL when
// FAILEDCHECKINS_TEST_DB holds a postgres:// URL (package teststore).
type env struct {
	srv        *httptest.Server
	records    []*fc.FailedCheckin
	managerLoc int64 // the manager's only location
	otherLoc   int64 // a location the manager may not see
	otherName  string
	db         envStore
	api        *api.Server // the one server: API and console
}

// envStore is everything the console and the API read from one store.
type envStore interface {
	teststore.Store
	console.Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvWith(t, nil)
}

// newEnvWith is newEnv with the console's Config adjusted by configure
// (given the store) before the server is built.
func newEnvWith(t testing.TB, configure func(envStore, *console.Config)) *env {
	t.Helper()
	return newEnvWithAPI(t, configure, nil)
}

// newEnvWithAPI is newEnvWith with the API server's Config adjusted by
// configureAPI too.
func newEnvWithAPI(t testing.TB, configure func(envStore, *console.Config), configureAPI func(*api.Config)) *env {
	t.Helper()
	ctx := context.Background()
	s := teststore.Open(t)
	db, ok := s.(envStore)
	if !ok {
		t.Fatalf("store %T has no console support (export, statistics, console sessions)", s)
	}
	e := &env{records: storetest.Sample(t), db: db}
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range e.records {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatalf("CreateFailedCheckins: %v", err)
	}
	e.managerLoc, e.otherLoc, e.otherName = twoLocations(e.records)
	addUser(t, db, "admin@example.com", &fc.User{Admin: true})
	addUser(t, db, "manager@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead}, Businesses: []int64{e.managerLoc}})
	svc := signin.New(signin.Config{Users: db, Tokens: db, Failures: db})
	auth := api.NewAuth(svc, nil)
	cfg := console.Config{Store: db, SignIn: svc, InsecureCookie: true, Logger: testLogger(t)}
	if configure != nil {
		configure(db, &cfg)
	}
	c, err := console.New(cfg)
	if err != nil {
		t.Fatalf("console.New: %v", err)
	}
	acfg := api.Config{Store: db, Authenticator: auth, Token: http.HandlerFunc(auth.ServeToken), Console: c}
	if configureAPI != nil {
		configureAPI(&acfg)
	}
	e.api = api.New(acfg)
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	return e
}

// twoLocations picks the busiest location for the manager and another one
// whose name does not occur in the first's, so a page can be searched for it.
func twoLocations(records []*fc.FailedCheckin) (int64, int64, string) {
	counts, names := map[int64]int{}, map[int64]string{}
	for _, r := range records {
		counts[r.BusinessID]++
		names[r.BusinessID] = r.BusinessName
	}
	var ids []int64
	for id := range counts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b int64) int { return counts[b] - counts[a] })
	for _, id := range ids[1:] {
		if !strings.Contains(names[ids[0]], names[id]) {
			return ids[0], id, names[id]
		}
	}
	return ids[0], ids[1], names[ids[1]]
}

func addUser(t testing.TB, db fc.UserStore, email string, u *fc.User) {
	t.Helper()
	hash, err := fc.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	u.Email, u.PasswordHash, u.Enabled = email, hash, true
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", email, err)
	}
}

// client is a browser-like HTTP client with its own cookie jar that does
// not follow redirects, so tests see them.
func (e *env) client(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

var hiddenCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches path and returns the status and body.
func get(t testing.TB, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// csrfOf finds the hidden CSRF field of a page.
func csrfOf(t testing.TB, body string) string {
	t.Helper()
	m := hiddenCSRF.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf field in page:\n%.500s", body)
	}
	return m[1]
}

// signIn signs c in as email and fails the test unless it worked.
func (e *env) signIn(t testing.TB, c *http.Client, email string) {
	t.Helper()
	_, page := get(t, c, e.srv.URL+"/console/signin")
	resp, err := c.PostForm(e.srv.URL+"/console/signin", url.Values{"email": {email}, "password": {password}, "csrf": {csrfOf(t, page)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /console/signin as %s = %d; want 303", email, resp.StatusCode)
	}
}

// testLogger sends the console's log to the test's output.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
