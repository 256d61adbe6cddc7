package failedcheckins

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "correct horse") {
		t.Fatalf("HashPassword = %q; want an argon2id PHC string without the password", h)
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal; want distinct salts")
	}
	for _, tc := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "correct horse", true},
		{h, "Correct horse", false},
		{h, "", false},
		{"", "correct horse", false},
		{"$argon2id$v=19$m=99999999,t=2,p=1$peYtQR8JvlKAtEh1Ms45/w$EsJHP57102VRUmf+odJBKk9m3Z6pQnAz3cUNBI2dozc", "x", false},
		{"plain", "plain", false},
	} {
		if got := CheckPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("CheckPassword(%q, %q) = %v; want %v", tc.hash, tc.pw, got, tc.want)
		}
	}
	if _, err := HashPassword(""); ErrorCode(err) != ErrInvalid {
		t.Errorf("HashPassword(\"\") error = %v; want %s", err, ErrInvalid)
	}
}

func TestDummyHashUsesCurrentParameters(t *testing.T) {
	want := fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$", argonMemory, argonTime, argonThreads)
	if !strings.HasPrefix(dummyPasswordHash, want) {
		t.Fatalf("dummy hash %q does not use %q; unknown users would answer faster", dummyPasswordHash, want)
	}
	if _, _, _, ok := parseArgon2id(dummyPasswordHash); !ok {
		t.Fatal("dummy hash does not parse")
	}
	if CheckUserPassword(nil, "anything") {
		t.Error("CheckUserPassword(nil) = true; want false")
	}
}

func TestNewToken(t *testing.T) {
	a, b := NewToken(), NewToken()
	if len(a) != 43 || a == b {
		t.Fatalf("NewToken = %q, %q; want two distinct 43-character tokens", a, b)
	}
	if h := HashToken(a); len(h) != 64 || h == HashToken(b) || h != HashToken(a) {
		t.Errorf("HashToken(%q) = %q; want a stable 64-hex-digit SHA-256", a, h)
	}
}

func TestLoginPolicyWait(t *testing.T) {
	p := LoginPolicy{Free: 3, Delay: time.Second, MaxDelay: 10 * time.Second, Lock: 6, LockFor: time.Hour, ResetAfter: 2 * time.Hour}
	last := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		count int
		after time.Duration
		want  time.Duration
	}{
		{0, 0, 0},
		{2, 0, 0},
		{3, 0, time.Second},
		{3, time.Second, 0},
		{4, 0, 2 * time.Second},
		{5, 500 * time.Millisecond, 3500 * time.Millisecond},
		{6, 0, time.Hour},
		{6, 59 * time.Minute, time.Minute},
		{50, time.Hour, 0},
		{50, 2 * time.Hour, 0},
	} {
		got := p.Wait(LoginFailures{Count: tc.count, Last: last}, last.Add(tc.after))
		if got != tc.want {
			t.Errorf("Wait(%d failures, %v after) = %v; want %v", tc.count, tc.after, got, tc.want)
		}
	}
	p.MaxDelay, p.Lock = 4*time.Second, 0
	if got := p.Wait(LoginFailures{Count: 40, Last: last}, last); got != 4*time.Second {
		t.Errorf("Wait(40 failures, no lock) = %v; want the 4s cap", got)
	}
}

func TestUserCaller(t *testing.T) {
	admin := (&User{ID: 1, Admin: true}).Caller()
	if !admin.Scope.All() || !admin.HasRole("anything-Read") {
		t.Errorf("admin caller = %+v; want every role and location", admin)
	}
	u := (&User{ID: 2, Roles: []string{"failedcheckin-list"}, Businesses: []int64{7, 3}}).Caller()
	if u.Scope.All() || !u.Scope.Allows(3) || u.Scope.Allows(4) || !u.HasRole(RoleFailedCheckinList) || u.HasRole(RoleFailedCheckinRead) {
		t.Errorf("scoped caller = %+v; want list only on 3 and 7", u)
	}
	if none := (&User{ID: 3}).Caller(); !none.Scope.Empty() {
		t.Errorf("unbound caller scope = %+v; want empty", none.Scope)
	}
}

func TestUserValidate(t *testing.T) {
	good := &User{Email: "a@b.c", PasswordHash: "x", Roles: []string{"FailedCheckin-List"}, Businesses: []int64{1}}
	if err := good.Validate(); err != nil {
		t.Errorf("Validate(good) = %v; want nil", err)
	}
	bad := &User{Email: "nobody", Roles: []string{"admin"}, Businesses: []int64{0}}
	err := bad.Validate()
	if e, ok := err.(*Error); !ok || e.Code != ErrInvalid || len(e.Fields) != 4 {
		t.Errorf("Validate(bad) = %v; want 4 invalid fields", err)
	}
}

// BenchmarkCheckPassword measures one sign-in's hashing cost (and so one
// Basic-auth request's).
func BenchmarkCheckPassword(b *testing.B) {
	h, err := HashPassword("correct horse")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		CheckPassword(h, "correct horse")
	}
}
