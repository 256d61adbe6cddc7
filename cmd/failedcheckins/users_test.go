package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// runUsersCmd runs `failedcheckins users ARGS` in-process with stdin.
func runUsersCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), append([]string{"users"}, args...), strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func findTestUser(t *testing.T, path, email string) *fc.User {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u, err := db.FindUserByEmail(context.Background(), email)
	if err != nil {
		t.Fatalf("FindUserByEmail(%s) = %v", email, err)
	}
	return u
}

// withTestDB runs f on the SQLite database at path.
func withTestDB(t *testing.T, path string, f func(*sqlite.DB) error) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := f(db); err != nil {
		t.Fatal(err)
	}
}

func TestUsersAdd(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.db")
	if out, err := runUsersCmd(t, "", "add", "--db", path, "--email", "root@example.com", "--password", "s3cret", "--admin"); err != nil {
		t.Fatalf("users add --admin = %v: %s", err, out)
	}
	out, err := runUsersCmd(t, "from-stdin\n", "add", "--db", path, "--email", "mgr@example.com", "--password", "-",
		"--roles", "FailedCheckin-List, FailedCheckin-Read", "--businesses", "1090,1036")
	if err != nil {
		t.Fatalf("users add --password - = %v: %s", err, out)
	}
	root, mgr := findTestUser(t, path, "root@example.com"), findTestUser(t, path, "MGR@example.com")
	if !root.Admin || !fc.CheckPassword(root.PasswordHash, "s3cret") || !root.Enabled {
		t.Errorf("admin = %+v; want an enabled administrator with password s3cret", root)
	}
	if mgr.Admin || !fc.CheckPassword(mgr.PasswordHash, "from-stdin") || len(mgr.Roles) != 2 || mgr.Roles[1] != "FailedCheckin-Read" ||
		len(mgr.Businesses) != 2 || mgr.Businesses[0] != 1090 {
		t.Errorf("manager = %+v; want two roles, locations 1090 and 1036, password from stdin", mgr)
	}
	for _, tc := range []struct {
		name, stdin, want string
		args              []string
		exit              int // 0: not checked
	}{
		{"duplicate", "", "already exists", []string{"--email", "ROOT@example.com", "--password", "x"}, 1},
		{"no email", "", "--email is required", []string{"--password", "x"}, 2},
		{"no password", "", "--password is required", []string{"--email", "a@b.c"}, 2},
		{"password without a value", "", "flag needs an argument", []string{"--email", "a@b.c", "--password"}, 2},
		{"blank password", "", "--password is blank", []string{"--email", "a@b.c", "--password", "  "}, 2},
		{"empty stdin", "", "no password on stdin", []string{"--email", "a@b.c", "--password", "-"}, 0},
		{"blank stdin", " \n", "no password on stdin", []string{"--email", "a@b.c", "--password", "-"}, 0},
		{"admin with locations", "", "--businesses does not apply", []string{"--email", "a@b.c", "--password", "x", "--admin", "--businesses", "1"}, 2},
		{"bad location", "", "not a location id", []string{"--email", "a@b.c", "--password", "x", "--businesses", "12,abc"}, 0},
		{"bad role", "", "Entity-Action", []string{"--email", "a@b.c", "--password", "x", "--roles", "admin"}, 0},
	} {
		out, err := runUsersCmd(t, tc.stdin, append([]string{"add", "--db", path}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error()+out, tc.want) {
			t.Errorf("%s: users add = %v (%s); want an error mentioning %q", tc.name, err, out, tc.want)
		}
		if tc.exit != 0 && err != nil && exitCode(err) != tc.exit {
			t.Errorf("%s: users add exit status = %d; want %d", tc.name, exitCode(err), tc.exit)
		}
	}
	if _, err := runUsersCmd(t, "", "add", "--db", "mysql://x/y", "--email", "a@b.c", "--password", "x"); err == nil ||
		!strings.Contains(err.Error(), "unsupported database URL scheme mysql") || exitCode(err) != 2 {
		t.Errorf("users add --db mysql://... = %v; want exit 2, unsupported database URL scheme mysql", err)
	}
}

func TestUsersManage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.db")
	if out, err := runUsersCmd(t, "", "add", "--db", path, "--email", "ana@example.com", "--password", "old"); err != nil {
		t.Fatalf("users add = %v: %s", err, out)
	}
	grant := &fc.TokenGrant{IssuedOn: time.Now(), UserID: findTestUser(t, path, "ana@example.com").ID, ClientID: "c",
		AccessHash: fc.HashToken("access"), AccessExpiresOn: time.Now().Add(time.Hour),
		RefreshHash: fc.HashToken("refresh"), RefreshExpiresOn: time.Now().Add(time.Hour)}
	withTestDB(t, path, func(db *sqlite.DB) error { return db.CreateTokens(t.Context(), grant) })
	if _, err := runUsersCmd(t, "", "disable", "--db", path, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if u := findTestUser(t, path, "ana@example.com"); u.Enabled {
		t.Error("after users disable the user is enabled")
	}
	// Enabling again must not bring back the sessions of before.
	if _, err := runUsersCmd(t, "", "enable", "--db", path, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	withTestDB(t, path, func(db *sqlite.DB) error {
		if u, err := db.FindUserByAccessToken(t.Context(), fc.HashToken("access"), time.Now()); err == nil {
			t.Errorf("after users disable and enable, the old access token still signs in %s", u.Email)
		}
		return nil
	})
	if _, err := runUsersCmd(t, "", "disable", "--db", path, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := runUsersCmd(t, "new-password\n", "passwd", "--db", path, "ana@example.com"); err != nil {
		t.Fatal(err)
	}
	if u := findTestUser(t, path, "ana@example.com"); !fc.CheckPassword(u.PasswordHash, "new-password") {
		t.Error("users passwd did not set the password read from stdin")
	}
	out, err := runUsersCmd(t, "", "totp", "--db", path, "ana@example.com")
	u := findTestUser(t, path, "ana@example.com")
	if err != nil || u.TOTPSecret == "" || !strings.Contains(out, "otpauth://totp/") || !strings.Contains(out, "secret="+u.TOTPSecret) {
		t.Errorf("users totp = %v, %q (secret %q); want the otpauth URI of the stored secret", err, out, u.TOTPSecret)
	}
	out, err = runUsersCmd(t, "", "list", "--db", path)
	if err != nil || !strings.Contains(out, "ana@example.com") || !strings.Contains(out, "disabled") || strings.Contains(out, u.PasswordHash) {
		t.Errorf("users list = %v, %q; want ana, disabled, and no hash", err, out)
	}
	if _, err := runUsersCmd(t, "", "disable", "--db", path, "nobody@example.com"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("users disable unknown = %v; want a no-such-user error", err)
	}
	if _, err := runUsersCmd(t, "", "frobnicate"); err == nil || exitCode(err) != 2 {
		t.Errorf("users frobnicate = %v; want a usage error", err)
	}
}

// TestUsersEndConsoleSessions: users passwd ends the user's console
// sessions (they used to work for up to 12 hours), and users disable ends
// them so that users enable does not revive an old one (issue 18 item 9).
func TestUsersEndConsoleSessions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.db")
	if out, err := runUsersCmd(t, "", "add", "--db", path, "--email", "ana@example.com", "--password", "old"); err != nil {
		t.Fatalf("users add = %v: %s", err, out)
	}
	id := findTestUser(t, path, "ana@example.com").ID
	newSession := func() string {
		cs := &fc.ConsoleSession{TokenHash: fc.HashToken(fc.NewToken()), UserID: id, CreatedOn: time.Now(),
			ExpiresOn: time.Now().Add(fc.ConsoleSessionLifetime)}
		withTestDB(t, path, func(db *sqlite.DB) error { return db.CreateConsoleSession(t.Context(), cs) })
		return cs.TokenHash
	}
	live := func(hash string) bool {
		var found bool
		withTestDB(t, path, func(db *sqlite.DB) error {
			_, err := db.FindUserByConsoleSession(t.Context(), hash, time.Now())
			found = err == nil
			return nil
		})
		return found
	}
	h := newSession()
	if out, err := runUsersCmd(t, "new-password\n", "passwd", "--db", path, "ana@example.com"); err != nil {
		t.Fatalf("users passwd = %v: %s", err, out)
	}
	if live(h) {
		t.Error("after users passwd, the console session of before still signs in")
	}
	h = newSession()
	for _, cmd := range []string{"disable", "enable"} {
		if out, err := runUsersCmd(t, "", cmd, "--db", path, "ana@example.com"); err != nil {
			t.Fatalf("users %s = %v: %s", cmd, err, out)
		}
	}
	if live(h) {
		t.Error("after users disable and enable, the console session of before signs in again")
	}
}

// TestUsersMask: users add --mask-personal-data stores a masked user,
// users mask and unmask turn it on and off (users list shows it), each
// change writes a Cli audit entry with the user's email, and an unknown
// email is an error whose entry says 404 and changes nothing.
func TestUsersMask(t *testing.T) {
	path := filepath.Join(t.TempDir(), "u.db")
	if out, err := runUsersCmd(t, "", "add", "--db", path, "--email", "desk@example.com", "--password", "x",
		"--roles", "FailedCheckin-List", "--businesses", "1", "--mask-personal-data"); err != nil || !strings.Contains(out, "personal data masked") {
		t.Fatalf("users add --mask-personal-data = %v: %s", err, out)
	}
	if out, err := runUsersCmd(t, "", "add", "--db", path, "--email", "ops@example.com", "--password", "x", "--admin"); err != nil {
		t.Fatalf("users add = %v: %s", err, out)
	}
	if !findTestUser(t, path, "desk@example.com").MaskPersonalData || findTestUser(t, path, "ops@example.com").MaskPersonalData {
		t.Fatal("only desk@ should be masked after users add")
	}
	if out, err := runUsersCmd(t, "", "unmask", "--db", path, "DESK@example.com"); err != nil || findTestUser(t, path, "desk@example.com").MaskPersonalData {
		t.Errorf("users unmask = %v (%s); want desk@ unmasked", err, out)
	}
	if out, err := runUsersCmd(t, "", "mask", "--db", path, "ops@example.com"); err != nil || !findTestUser(t, path, "ops@example.com").MaskPersonalData {
		t.Errorf("users mask = %v (%s); want ops@ masked", err, out)
	}
	out, err := runUsersCmd(t, "", "list", "--db", path)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 3 || !strings.Contains(lines[0], "MASKED") || !strings.Contains(lines[1], " no ") ||
		strings.Count(lines[2], " yes ") != 2 { // ops@: admin and masked
		t.Errorf("users list = %v\n%s\nwant a MASKED column: no for desk@, yes for ops@", err, out)
	}
	if _, err := runUsersCmd(t, "", "mask", "--db", path, "nobody@example.com"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Errorf("users mask unknown = %v; want a no-such-user error", err)
	}
	if _, err := runUsersCmd(t, "", "mask", "--db", path); err == nil || exitCode(err) != 2 {
		t.Errorf("users mask without an email = %v; want a usage error", err)
	}
	rows := auditCSV(t, path, "--channel", "cli")
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[6]+" "+r[7]+" "+r[8]+" "+r[9])
	}
	want := []string{"users add", "users add", "users unmask email=DESK%40example.com 200 1", "users mask email=ops%40example.com 200 1",
		"users mask email=nobody%40example.com 404 0"}
	if len(got) != len(want) || !strings.HasPrefix(got[0], "users add ") || !strings.Contains(rows[1][7], "mask-personal-data=true") {
		t.Fatalf("audit entries = %q; want %q", got, want)
	}
	for i := 2; i < len(want); i++ {
		if got[i] != want[i] {
			t.Errorf("audit entry %d = %q; want %q", i, got[i], want[i])
		}
	}
}
