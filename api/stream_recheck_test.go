package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/signin"
)

// recheckAuth is the real authenticator (signin over the store) for
// everyone but "door", streamAuth's writer of attempts.
type recheckAuth struct{ real *Auth }

func (a recheckAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	if r.Header.Get("Authorization") == "Bearer door" {
		return streamAuth{}.Authenticate(r)
	}
	return a.real.Authenticate(r)
}

func (a recheckAuth) Recheck(r *http.Request) (*fc.Caller, error) { return a.real.Recheck(r) }

// ended waits for the stream to end and returns its comments.
func (c *sseClient) ended(t testing.TB, timeout time.Duration) []string {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		t.Fatalf("the stream did not end within %v", timeout)
	}
	var out []string
	for {
		select {
		case s := <-c.comments:
			out = append(out, s)
		default:
			return out
		}
	}
}

// TestStreamRechecksCaller: a stream checks its caller again (every
// StreamOptions.Recheck, here 20 ms): a user who loses a location stops
// getting its records on the open stream; the stream ends when the access
// token expires (a clock the test moves), when the user is disabled, and
// when the user loses the stream's role; each time the client is told why.
// The checks are not requests: they do not use up the user's rate limit.
func TestStreamRechecksCaller(t *testing.T) {
	ctx := context.Background()
	db := openSharedStores(t, 1)[0]
	users, ok := db.(interface {
		fc.UserStore
		fc.TokenStore
		fc.LoginFailureStore
	})
	if !ok {
		t.Fatalf("store %T has no users", db)
	}
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	// A burst of 5 (the five streams opened) and a rate of next to
	// nothing: were the checks requests, they would soon be refused.
	svc := signin.New(signin.Config{Users: users, Tokens: users, Failures: users, Now: now,
		AccessTokenLifetime: time.Minute, RateLimit: 0.001, RateBurst: 5})
	hash, err := fc.HashPassword("a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	u := &fc.User{Email: "watcher@example.com", PasswordHash: hash, Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{1, 2}, Enabled: true}
	if err := users.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	token := func() string {
		t.Helper()
		tk, err := svc.Issue(ctx, u, "")
		if err != nil {
			t.Fatal(err)
		}
		return tk.Access
	}
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	srv := New(Config{Store: db, Authenticator: recheckAuth{NewAuth(svc, nil)},
		Streams:  StreamOptions{Recheck: 20 * time.Millisecond, Poll: 20 * time.Millisecond},
		Checkins: &CheckinConfig{Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow }}})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	t.Cleanup(srv.CloseStreams)
	s := &streamServer{srv: srv, ts: ts}

	const path = "/api/spaces/failedcheckins/stream"
	c, code, body := openStream(t, s.ts.URL, path, token())
	if code != 200 {
		t.Fatalf("open = %d %s", code, body)
	}
	at2 := s.post(t, refuseAt2)
	at1 := s.post(t, refuseAt1)
	if got := eventIDs(c.until(t, at1, 10*time.Second)); len(got) != 2 || got[0] != at2 {
		t.Fatalf("with both locations got %v; want %d, %d", got, at2, at1)
	}

	// Location 2 taken away: the open stream no longer carries it.
	u.Businesses = []int64{1}
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // ten checks
	s.post(t, refuseAt2)
	at1 = s.post(t, refuseAt1)
	if got := eventIDs(c.until(t, at1, 10*time.Second)); len(got) != 1 {
		t.Errorf("after losing location 2 got %v; want only %d", got, at1)
	}

	// The token expires: the stream ends.
	offset.Add(int64(2 * time.Minute))
	if got := c.ended(t, 10*time.Second); !strings.Contains(strings.Join(got, "|"), "expired") {
		t.Errorf("comments at the end %q; want one saying the credentials expired", got)
	}

	// The user is disabled: the stream ends.
	c, code, _ = openStream(t, s.ts.URL, path, token())
	if code != 200 {
		t.Fatalf("reopen = %d", code)
	}
	c.quiet(t, 100*time.Millisecond) // still open after several checks
	u.Enabled = false
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c.ended(t, 10*time.Second)

	// The user loses the role: the stream ends.
	u.Enabled = true
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	c, code, _ = openStream(t, s.ts.URL, path, token())
	if code != 200 {
		t.Fatalf("reopen = %d", code)
	}
	u.Roles = []string{fc.RoleFailedCheckinRead}
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := c.ended(t, 10*time.Second); !strings.Contains(strings.Join(got, "|"), fc.RoleFailedCheckinList) {
		t.Errorf("comments at the end %q; want one naming the role", got)
	}

	// The user becomes masked: a stream that filters by a personal field
	// ends (the filter would probe masked values), one that does not goes on.
	u.Roles = []string{fc.RoleFailedCheckinList}
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	byName, code, _ := openStream(t, s.ts.URL, path+"?FailedCheckin_Coworker_FullName=ana", token())
	if code != 200 {
		t.Fatalf("open by name = %d", code)
	}
	plain, code, _ := openStream(t, s.ts.URL, path, token())
	if code != 200 {
		t.Fatalf("open plain = %d", code)
	}
	u.MaskPersonalData = true
	if err := users.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := byName.ended(t, 10*time.Second); !strings.Contains(strings.Join(got, "|"), "masked") {
		t.Errorf("comments at the end of the stream by name %q; want one saying personal data is masked", got)
	}
	plain.quiet(t, 100*time.Millisecond) // still open after several checks
}
