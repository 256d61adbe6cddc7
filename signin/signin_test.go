package signin

import (
	"context"
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
