package signin

import (
	"context"
	"fmt"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// newTestService is a Service over a fresh store (SQLite, or PostgreSQL by
// FAILEDCHECKINS_TEST_DB) with one enabled user whose password is "pw".
func newTestService(t *testing.T, cfg Config) (*Service, *fc.User) {
	t.Helper()
	db := teststore.Open(t)
	hash, err := fc.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	u := &fc.User{Email: "ana@example.com", PasswordHash: hash, Admin: true, Enabled: true}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	cfg.Users, cfg.Tokens, cfg.Failures = db, db, db
	return New(cfg), u
}

// TestPasswordChecksAreBounded: when every password-check slot is taken,
// a sign-in waits at most hashWait and is then throttled with a one-second
// retry, instead of allocating another argon2 buffer.
func TestPasswordChecksAreBounded(t *testing.T) {
	s, _ := newTestService(t, Config{})
	ctx := context.Background()
	s.hashWait = 0
	for range cap(s.hashSlots) {
		s.hashSlots <- struct{}{}
	}
	_, err := s.SignIn(ctx, "ana@example.com", "pw", "", "203.0.113.7")
	if wait, ok := RetryAfter(err); fc.ErrorCode(err) != fc.ErrTooMany || !ok || wait != time.Second {
		t.Errorf("SignIn with every slot taken = %v (retry after %v); want ErrTooMany and 1s", err, wait)
	}
	<-s.hashSlots
	if u, err := s.SignIn(ctx, "ana@example.com", "pw", "", "203.0.113.7"); err != nil || u.Email != "ana@example.com" {
		t.Errorf("SignIn with a free slot = %v, %v; want the user", u, err)
	}
}

// TestTokensRoundTrip: issued tokens authenticate their user, a refresh
// replaces them, and a token's answer never depends on anything but its
// stored hash.
func TestTokensRoundTrip(t *testing.T) {
	s, u := newTestService(t, Config{})
	ctx := context.Background()
	tok, err := s.Issue(ctx, u, "")
	if err != nil || tok.AccessLifetime != fc.DefaultAccessTokenLifetime {
		t.Fatalf("Issue = %+v, %v; want tokens valid an hour", tok, err)
	}
	if c, err := s.Bearer(ctx, tok.Access); err != nil || c.UserID != u.ID {
		t.Fatalf("Bearer(issued) = %+v, %v; want user %d", c, err, u.ID)
	}
	if _, err := s.Bearer(ctx, tok.Refresh); err != ErrBadCredentials {
		t.Errorf("Bearer(refresh token) = %v; want ErrBadCredentials", err)
	}
	fresh, err := s.Refresh(ctx, tok.Refresh, "")
	if err != nil || fresh.Access == tok.Access {
		t.Fatalf("Refresh = %+v, %v; want new tokens", fresh, err)
	}
	if _, err := s.Refresh(ctx, tok.Refresh, ""); err != ErrBadCredentials {
		t.Errorf("Refresh(used refresh token) = %v; want ErrBadCredentials", err)
	}
}

// TestConcurrentBasicShareOneCheck: many requests bringing the same Basic
// credentials at once (an integration starting its workers) share one
// password check, so none of them is throttled for a right password even
// when there is a single password-check slot and no waiting for it.
// Without the shared check every request but one finds the slot taken and
// is answered ErrTooMany.
func TestConcurrentBasicShareOneCheck(t *testing.T) {
	s, u := newTestService(t, Config{})
	s.hashSlots, s.hashWait = make(chan struct{}, 1), 0
	ctx := context.Background()
	const clients = 16
	start := make(chan struct{})
	errs := make(chan error, clients)
	for range clients {
		go func() {
			<-start
			c, err := s.Basic(ctx, "ana@example.com", "pw", "203.0.113.7")
			if err == nil && c.UserID != u.ID {
				err = fmt.Errorf("caller %d; want user %d", c.UserID, u.ID)
			}
			errs <- err
		}()
	}
	close(start)
	for range clients {
		if err := <-errs; err != nil {
			t.Errorf("Basic with the right password, %d at once: %v", clients, err)
		}
	}
	// A wrong password shared by concurrent requests is still wrong for each.
	for range clients {
		go func() {
			<-start
			_, err := s.Basic(ctx, "ana@example.com", "not the password", "203.0.113.8")
			errs <- err
		}()
	}
	for range clients {
		if err := <-errs; err == nil {
			t.Error("Basic with a wrong password succeeded")
		}
	}
}
