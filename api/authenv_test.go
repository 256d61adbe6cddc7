package api

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// authClock is an injectable clock for token expiry, throttling and rate
// limits: tests move it instead of sleeping.
type authClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *authClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *authClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// authEnv is an API over a real SQLite store seeded with the sample data,
// with Auth wired in and a fake clock.
type authEnv struct {
	t       *testing.T
	db      teststore.Store
	clock   *authClock
	auth    *Auth
	signIn  *signin.Service
	handler http.Handler
	sample  []*fc.FailedCheckin
}

func newAuthEnv(t *testing.T, cfg signin.Config) *authEnv {
	t.Helper()
	ctx := context.Background()
	db := teststore.Open(t) // SQLite, or PostgreSQL by FAILEDCHECKINS_TEST_DB
	sample := storetest.Sample(t)
	if _, err := db.CreateFailedCheckins(ctx, authSeq(sample)); err != nil {
		t.Fatal(err)
	}
	clock := &authClock{now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
	cfg.Users, cfg.Tokens, cfg.Failures, cfg.Now = db, db, db, clock.Now
	svc := signin.New(cfg)
	auth := NewAuth(svc, nil)
	srv := New(Config{Store: db, Authenticator: auth, Token: http.HandlerFunc(auth.ServeToken)})
	return &authEnv{t: t, db: db, clock: clock, auth: auth, signIn: svc, handler: srv.Handler(), sample: sample}
}

func authSeq(rs []*fc.FailedCheckin) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// addUser creates an enabled user whose password is "pw-" + email.
func (e *authEnv) addUser(email string, admin bool, roles []string, businesses ...int64) *fc.User {
	e.t.Helper()
	hash, err := fc.HashPassword("pw-" + email)
	if err != nil {
		e.t.Fatal(err)
	}
	u := &fc.User{Email: email, PasswordHash: hash, Admin: admin, Roles: roles, Businesses: businesses, Enabled: true}
	if err := e.db.CreateUser(context.Background(), u); err != nil {
		e.t.Fatal(err)
	}
	return u
}

// do sends a request through the whole API and returns the recorder.
func (e *authEnv) do(r *http.Request) *httptest.ResponseRecorder {
	if r.RemoteAddr == "" || r.RemoteAddr == "192.0.2.1:1234" {
		r.RemoteAddr = "203.0.113.7:5555"
	}
	return serveChecked(e.t, e.handler, r) // validated against api/openapi.json
}

// postToken posts a token request form.
func (e *authEnv) postToken(form url.Values, header http.Header) *httptest.ResponseRecorder {
	r := newTokenRequest(form)
	for k, v := range header {
		r.Header[k] = v
	}
	return e.do(r)
}

// login runs a password grant for email and returns the tokens.
func (e *authEnv) login(email string) tokenJSON {
	e.t.Helper()
	w := e.postToken(url.Values{"grant_type": {"password"}, "username": {email}, "password": {"pw-" + email}}, nil)
	var tok tokenJSON
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &tok) != nil || tok.AccessToken == "" {
		e.t.Fatalf("login(%s) = %d %s; want 200 with tokens", email, w.Code, w.Body)
	}
	return tok
}

// get sends a GET with the given Authorization header ("" for none).
func (e *authEnv) get(path, authorization string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", path, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return e.do(r)
}

// newTokenRequest is a form POST to the token endpoint.
func newTokenRequest(form url.Values) *http.Request {
	r := httptest.NewRequest("POST", TokenPath, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}
