package storetest

import (
	"context"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// SessionStore is a backend's console sessions with the users they
// belong to.
type SessionStore interface {
	AuthStore
	fc.ConsoleSessionStore
}

// RunSessions is the conformance suite of the console session store.
// open must return a new, empty, migrated store for each call.
func RunSessions(t *testing.T, open func(t *testing.T) SessionStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s SessionStore)
	}{
		{"Lifecycle", testSessionLifecycle},
		{"Expiry", testSessionExpiry},
		{"Sweep", testSessionSweep},
		{"EndWithUserTokens", testSessionsEndWithUserTokens},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// sessionEpoch is the creation time of the suite's sessions: whole
// milliseconds, the precision both stores keep.
var sessionEpoch = time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)

// addSession stores a session of u created at created, returning its
// token hash.
func addSession(t *testing.T, s SessionStore, u *fc.User, created time.Time) string {
	t.Helper()
	cs := &fc.ConsoleSession{TokenHash: fc.HashToken(fc.NewToken()), UserID: u.ID,
		CreatedOn: created, ExpiresOn: created.Add(fc.ConsoleSessionLifetime)}
	if err := s.CreateConsoleSession(context.Background(), cs); err != nil {
		t.Fatalf("CreateConsoleSession: %v", err)
	}
	return cs.TokenHash
}

// wantSessionUser checks whose session hash is at now: want, or nobody
// (ErrNotFound) when want is nil.
func wantSessionUser(t *testing.T, s SessionStore, hash string, now time.Time, want *fc.User) {
	t.Helper()
	got, err := s.FindUserByConsoleSession(context.Background(), hash, now)
	switch {
	case want == nil && fc.ErrorCode(err) != fc.ErrNotFound:
		t.Errorf("FindUserByConsoleSession(at %v) = %v, %v; want an ErrNotFound error", now, got, err)
	case want != nil && (err != nil || got.ID != want.ID || got.Email != want.Email):
		t.Errorf("FindUserByConsoleSession(at %v) = %v, %v; want user %d (%s)", now, got, err, want.ID, want.Email)
	}
}

func testSessionLifecycle(t *testing.T, s SessionStore) {
	ctx := context.Background()
	ana, bo := addAuthUser(t, s, "ana@example.com"), addAuthUser(t, s, "bo@example.com")
	ha, hb := addSession(t, s, ana, sessionEpoch), addSession(t, s, bo, sessionEpoch)
	now := sessionEpoch.Add(time.Minute)
	wantSessionUser(t, s, ha, now, ana)
	wantSessionUser(t, s, hb, now, bo)
	wantSessionUser(t, s, fc.HashToken("not a session"), now, nil)
	if err := s.DeleteConsoleSession(ctx, ha); err != nil {
		t.Fatalf("DeleteConsoleSession: %v", err)
	}
	wantSessionUser(t, s, ha, now, nil)
	wantSessionUser(t, s, hb, now, bo) // signing one out leaves the other
	if err := s.DeleteConsoleSession(ctx, ha); err != nil {
		t.Errorf("DeleteConsoleSession(already deleted) = %v; want nil", err)
	}
	// A disabled user's session is still found: callers check Enabled.
	bo.Enabled = false
	if err := s.UpdateUser(ctx, bo); err != nil {
		t.Fatal(err)
	}
	if got, err := s.FindUserByConsoleSession(ctx, hb, now); err != nil || got.Enabled {
		t.Errorf("FindUserByConsoleSession(disabled user) = %v, %v; want the user, disabled", got, err)
	}
}

// testSessionExpiry pins the boundary: a session is valid strictly before
// ExpiresOn, and the lifetime is not extended by use.
func testSessionExpiry(t *testing.T, s SessionStore) {
	ana := addAuthUser(t, s, "ana@example.com")
	h := addSession(t, s, ana, sessionEpoch)
	expires := sessionEpoch.Add(fc.ConsoleSessionLifetime)
	wantSessionUser(t, s, h, expires.Add(-time.Millisecond), ana)
	wantSessionUser(t, s, h, expires, nil)
	wantSessionUser(t, s, h, expires.Add(time.Hour), nil)
	wantSessionUser(t, s, h, sessionEpoch, ana) // expiry is no deletion: an earlier clock still sees it
}

// testSessionSweep creates a session after another expired: the expired
// one is deleted on the way (seen by asking with a clock before its end),
// the live one is kept.
func testSessionSweep(t *testing.T, s SessionStore) {
	ana, bo := addAuthUser(t, s, "ana@example.com"), addAuthUser(t, s, "bo@example.com")
	old := addSession(t, s, ana, sessionEpoch)
	live := addSession(t, s, bo, sessionEpoch.Add(fc.ConsoleSessionLifetime-time.Hour))
	addSession(t, s, bo, sessionEpoch.Add(fc.ConsoleSessionLifetime))
	wantSessionUser(t, s, old, sessionEpoch.Add(time.Minute), nil)
	wantSessionUser(t, s, live, sessionEpoch.Add(fc.ConsoleSessionLifetime), bo)
}

// testSessionsEndWithUserTokens: revoking a user's tokens (users passwd,
// users disable) ends every console session of that user, and only theirs,
// so that a new password or enabling the account again revives none.
func testSessionsEndWithUserTokens(t *testing.T, s SessionStore) {
	ana, bo := addAuthUser(t, s, "ana@example.com"), addAuthUser(t, s, "bo@example.com")
	a1, a2 := addSession(t, s, ana, sessionEpoch), addSession(t, s, ana, sessionEpoch.Add(time.Minute))
	b := addSession(t, s, bo, sessionEpoch)
	if err := s.DeleteUserTokens(context.Background(), ana.ID); err != nil {
		t.Fatalf("DeleteUserTokens: %v", err)
	}
	now := sessionEpoch.Add(time.Hour)
	wantSessionUser(t, s, a1, now, nil)
	wantSessionUser(t, s, a2, now, nil)
	wantSessionUser(t, s, b, now, bo)
}
