package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// AuthStore is what a backend keeps for sign-ins: users, tokens and failed
// sign-in counters.
type AuthStore interface {
	fc.UserStore
	fc.TokenStore
	fc.LoginFailureStore
}

// RunAuth is the conformance suite of the sign-in stores. open must return
// a new, empty, migrated store for each call. Every backend runs it
// unchanged (it began as the sqlite package's tests).
func RunAuth(t *testing.T, open func(t *testing.T) AuthStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s AuthStore)
	}{
		{"Users", testUsers},
		{"Tokens", testTokens},
		{"RotateRefreshTokenConcurrently", testRotateRefreshTokenConcurrently},
		{"UserEmailsConcurrently", testUserEmailsConcurrently},
		{"LoginFailures", testLoginFailures},
		{"ClaimTOTPStep", testClaimTOTPStep},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

func addAuthUser(t *testing.T, db AuthStore, email string) *fc.User {
	t.Helper()
	u := &fc.User{Email: email, PasswordHash: "$argon2id$test", Roles: []string{"FailedCheckin-List"}, Businesses: []int64{5, 1}, Enabled: true}
	if err := db.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("CreateUser(%s) = %v", email, err)
	}
	return u
}

func testUsers(t *testing.T, db AuthStore) {
	ctx := context.Background()
	u := addAuthUser(t, db, "Ana@Example.com")
	if u.ID == 0 || u.CreatedOn.IsZero() {
		t.Fatalf("CreateUser left ID=%d CreatedOn=%v; want both set", u.ID, u.CreatedOn)
	}
	got, err := db.FindUserByEmail(ctx, "ana@EXAMPLE.com")
	if err != nil || got.ID != u.ID || got.Email != "Ana@Example.com" || len(got.Businesses) != 2 || got.Roles[0] != "FailedCheckin-List" || !got.Enabled {
		t.Fatalf("FindUserByEmail = %+v, %v; want %+v", got, err, u)
	}
	if err := db.CreateUser(ctx, &fc.User{Email: "ANA@example.com", PasswordHash: "x"}); fc.ErrorCode(err) != fc.ErrConflict {
		t.Errorf("CreateUser(duplicate email) = %v; want %s", err, fc.ErrConflict)
	}
	if _, err := db.FindUserByEmail(ctx, "nobody@example.com"); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindUserByEmail(unknown) = %v; want %s", err, fc.ErrNotFound)
	}
	if got.MaskPersonalData {
		t.Errorf("a new user sees personal data masked; want unmasked unless asked")
	}
	got.Enabled, got.Admin, got.TOTPSecret, got.MaskPersonalData = false, true, "ABC", true
	if err := db.UpdateUser(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := db.FindUserByID(ctx, u.ID)
	if err != nil || again.Enabled || !again.Admin || again.TOTPSecret != "ABC" || !again.MaskPersonalData {
		t.Errorf("after UpdateUser FindUserByID = %+v, %v; want disabled masked admin with TOTP", again, err)
	}
	masked := &fc.User{Email: "bo@example.com", PasswordHash: "x", Enabled: true, MaskPersonalData: true}
	if err := db.CreateUser(ctx, masked); err != nil {
		t.Fatal(err)
	}
	if all, err := db.FindUsers(ctx); err != nil || len(all) != 2 || all[1].Email != "bo@example.com" || !all[1].MaskPersonalData || !all[0].MaskPersonalData {
		t.Errorf("FindUsers = %v, %v; want two masked users in id order", all, err)
	}
	if err := db.UpdateUser(ctx, &fc.User{ID: 99, Email: "x@y.z", PasswordHash: "x"}); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("UpdateUser(unknown id) = %v; want %s", err, fc.ErrNotFound)
	}
}

func authGrant(u *fc.User, client string, now time.Time) (*fc.TokenGrant, string, string) {
	access, refresh := fc.NewToken(), fc.NewToken()
	return &fc.TokenGrant{IssuedOn: now, UserID: u.ID, ClientID: client,
		AccessHash: fc.HashToken(access), AccessExpiresOn: now.Add(time.Hour),
		RefreshHash: fc.HashToken(refresh), RefreshExpiresOn: now.Add(fc.RefreshTokenLifetime)}, access, refresh
}

// addGrant adds the user ana@example.com and stores a grant of hers for
// client at a fixed now; it returns her, now and the grant's tokens.
func addGrant(t *testing.T, db AuthStore, client string) (u *fc.User, now time.Time, access, refresh string) {
	t.Helper()
	u = addAuthUser(t, db, "ana@example.com")
	now = time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	g, access, refresh := authGrant(u, client, now)
	if err := db.CreateTokens(context.Background(), g); err != nil {
		t.Fatal(err)
	}
	return u, now, access, refresh
}

func testTokens(t *testing.T, db AuthStore) {
	ctx := context.Background()
	u, now, access, refresh := addGrant(t, db, "ana@example.com")
	if got, err := db.FindUserByAccessToken(ctx, fc.HashToken(access), now.Add(59*time.Minute)); err != nil || got.ID != u.ID {
		t.Errorf("FindUserByAccessToken(live) = %v, %v; want user %d", got, err, u.ID)
	}
	if _, err := db.FindUserByAccessToken(ctx, fc.HashToken(access), now.Add(time.Hour)); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("FindUserByAccessToken(expired) = %v; want %s", err, fc.ErrNotFound)
	}
	next, _, refresh2 := authGrant(u, "", now)
	if _, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh), "other-client", now, next); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("Rotate(wrong client) = %v; want %s", err, fc.ErrNotFound)
	}
	owner, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh), "", now, next)
	if err != nil || owner.ID != u.ID || next.ClientID != "ana@example.com" {
		t.Fatalf("Rotate(default client) = %v, %v (client %q); want user %d", owner, err, next.ClientID, u.ID)
	}
	if _, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh), "", now, next); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("Rotate(used token) = %v; want %s", err, fc.ErrNotFound)
	}
	late, _, _ := authGrant(u, "", now)
	if _, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh2), "", now.Add(fc.RefreshTokenLifetime), late); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("Rotate(expired token) = %v; want %s", err, fc.ErrNotFound)
	}
	// A new password grant for the same client replaces its refresh token.
	g3, _, refresh3 := authGrant(u, "ana@example.com", now)
	if err := db.CreateTokens(ctx, g3); err != nil {
		t.Fatal(err)
	}
	n4, _, _ := authGrant(u, "", now)
	if _, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh2), "", now, n4); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("Rotate(replaced token) = %v; want %s", err, fc.ErrNotFound)
	}
	if err := db.DeleteUserTokens(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh3), "", now, n4); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("Rotate(revoked token) = %v; want %s", err, fc.ErrNotFound)
	}
}

// testUserEmailsConcurrently: emails stay unique case-insensitively when
// writers race (on PostgreSQL, connections of one pool stand for several
// servers): of concurrent creates of one email exactly one succeeds, of
// concurrent updates of different users to one new email exactly one, and
// every other is an ErrConflict error, never an internal one. Taking
// another user's email is a conflict too.
func testUserEmailsConcurrently(t *testing.T, db AuthStore) {
	ctx := context.Background()
	const n = 8
	raceOne(t, "creates", n, fc.ErrConflict, func(i int) error {
		email := "Same@Example.com"
		if i%2 == 1 {
			email = "same@EXAMPLE.com"
		}
		return db.CreateUser(ctx, &fc.User{Email: email, PasswordHash: "x", Enabled: true})
	})
	users := make([]*fc.User, n)
	for i := range users {
		users[i] = addAuthUser(t, db, fmt.Sprintf("user%d@example.com", i))
	}
	raceOne(t, "updates", n, fc.ErrConflict, func(i int) error {
		u := *users[i]
		u.Email = "New@Example.com"
		if i%2 == 1 {
			u.Email = "new@EXAMPLE.com"
		}
		return db.UpdateUser(ctx, &u)
	})
	taken := *users[0]
	taken.Email = "SAME@example.com"
	if err := db.UpdateUser(ctx, &taken); fc.ErrorCode(err) != fc.ErrConflict {
		t.Errorf("UpdateUser(another user's email) = %v; want %s", err, fc.ErrConflict)
	}
	if all, err := db.FindUsers(ctx); err != nil || len(all) != n+1 {
		t.Errorf("FindUsers = %d users, %v; want %d", len(all), err, n+1)
	}
}

// raceOne runs write(0) to write(n-1) concurrently and wants exactly one
// to succeed and every other to fail with the code lose.
func raceOne(t *testing.T, what string, n int, lose string, write func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = write(i) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case fc.ErrorCode(err) != lose:
			t.Errorf("concurrent %s error = %v; want nil or %s", what, err, lose)
		}
	}
	if ok != 1 {
		t.Errorf("%d of %d concurrent %s succeeded; want exactly 1", ok, n, what)
	}
}

func testRotateRefreshTokenConcurrently(t *testing.T, db AuthStore) {
	ctx := context.Background()
	u, now, _, refresh := addGrant(t, db, "app")
	raceOne(t, "rotations", 8, fc.ErrNotFound, func(int) error {
		next, _, _ := authGrant(u, "", now)
		_, err := db.RotateRefreshToken(ctx, fc.HashToken(refresh), "app", now, next)
		return err
	})
}

func testLoginFailures(t *testing.T, db AuthStore) {
	ctx := context.Background()
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= 3; i++ {
		f, err := db.RecordLoginFailure(ctx, "account:a", t0.Add(time.Duration(i)*time.Second), t0.Add(-time.Hour))
		if err != nil || f.Count != i || !f.Last.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("failure %d: RecordLoginFailure = %+v, %v; want count %d", i, f, err, i)
		}
	}
	if f, _ := db.FindLoginFailures(ctx, "account:b"); f.Count != 0 {
		t.Errorf("FindLoginFailures(other key) = %+v; want zero", f)
	}
	// A counter idle since before resetBefore starts again.
	if f, _ := db.RecordLoginFailure(ctx, "account:a", t0.Add(2*time.Hour), t0.Add(time.Hour)); f.Count != 1 {
		t.Errorf("after the reset window count = %d; want 1", f.Count)
	}
	if err := db.ClearLoginFailures(ctx, "account:a"); err != nil {
		t.Fatal(err)
	}
	if f, err := db.FindLoginFailures(ctx, "account:a"); err != nil || f.Count != 0 {
		t.Errorf("after Clear FindLoginFailures = %+v, %v; want zero", f, err)
	}
}

// testClaimTOTPStep: a step is claimed once; an older step is refused
// after a newer one; users are independent; of concurrent claims of one
// step exactly one wins.
func testClaimTOTPStep(t *testing.T, db AuthStore) {
	ctx := context.Background()
	ana, bob := addAuthUser(t, db, "ana@example.com"), addAuthUser(t, db, "bob@example.com")
	for _, tc := range []struct {
		user *fc.User
		step int64
		want bool
	}{
		{ana, 100, true},
		{ana, 100, false}, // the same code again
		{ana, 99, false},  // an older code after a newer one
		{bob, 100, true},  // another user's claim is separate
		{ana, 101, true},
		{ana, 101, false},
	} {
		got, err := db.ClaimTOTPStep(ctx, tc.user.ID, tc.step)
		if err != nil || got != tc.want {
			t.Errorf("ClaimTOTPStep(%s, %d) = %v, %v; want %v", tc.user.Email, tc.step, got, err, tc.want)
		}
	}
	const n = 8
	var wg sync.WaitGroup
	wins := make([]bool, n)
	for i := range n {
		wg.Go(func() {
			ok, err := db.ClaimTOTPStep(ctx, bob.ID, 200)
			if err != nil {
				t.Errorf("concurrent ClaimTOTPStep = %v", err)
			}
			wins[i] = ok
		})
	}
	wg.Wait()
	won := 0
	for _, w := range wins {
		if w {
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d of %d concurrent claims of one step won; want exactly 1", won, n)
	}
}
