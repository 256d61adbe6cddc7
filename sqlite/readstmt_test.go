package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestTokenLookupSeesUserChanges checks the decoded-lists cache behind the
// prepared token lookup: a changed user row is seen on the next lookup,
// and changing a returned slice does not change what later lookups get.
func TestTokenLookupSeesUserChanges(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	u := &fc.User{Email: "a@example.com", PasswordHash: "x", Enabled: true,
		Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{7, 9}}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	g := &fc.TokenGrant{IssuedOn: now, UserID: u.ID, ClientID: "c", AccessHash: "h",
		AccessExpiresOn: now.Add(time.Hour), RefreshHash: "r", RefreshExpiresOn: now.Add(time.Hour)}
	if err := db.CreateTokens(ctx, g); err != nil {
		t.Fatal(err)
	}
	lookup := func() *fc.User {
		t.Helper()
		got, err := db.FindUserByAccessToken(ctx, "h", now)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	first := lookup()
	first.Roles[0], first.Businesses[0] = "Changed-Here", 1
	if again := lookup(); again.Roles[0] != fc.RoleFailedCheckinList || again.Businesses[0] != 7 {
		t.Fatalf("a caller's change reached the cache: %v %v", again.Roles, again.Businesses)
	}
	u.Roles, u.Businesses = []string{fc.RoleFailedCheckinRead}, []int64{3}
	if err := db.UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if got := lookup(); !slices.Equal(got.Roles, u.Roles) || !slices.Equal(got.Businesses, u.Businesses) {
		t.Fatalf("after the update got %v %v; want %v %v", got.Roles, got.Businesses, u.Roles, u.Businesses)
	}
}

// TestGetOneScope checks the prepared get-one lookup, which applies the
// scope in Go: a record outside the scope is not found, inside it is.
func TestGetOneScope(t *testing.T) {
	ctx := context.Background()
	db := openAuthDB(t)
	if _, err := db.CreateFailedCheckins(ctx, generated(3)); err != nil {
		t.Fatal(err)
	}
	r, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.FindFailedCheckinByID(ctx, fc.BusinessScope(r.BusinessID+1), 1); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("outside the scope: err = %v; want not found", err)
	}
	got, err := db.FindFailedCheckinByID(ctx, fc.BusinessScope(r.BusinessID+1, r.BusinessID), 1)
	if err != nil || got.UniqueID != r.UniqueID {
		t.Errorf("inside the scope: %v, %v; want record 1", got, err)
	}
	if _, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 1<<40); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("missing id: err = %v; want not found", err)
	}
}
