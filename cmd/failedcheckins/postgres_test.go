package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
)

// describeRecord renders every field of r, pointers by value and times with
// their location, so two records print alike exactly when they are equal.
func describeRecord(r *fc.FailedCheckin) string {
	opt := func(s *string) string {
		if s == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *s)
	}
	coworker := "null"
	if r.CoworkerID != nil {
		coworker = fmt.Sprint(*r.CoworkerID)
	}
	ts := func(t time.Time) string { return t.Format(time.RFC3339Nano) + "@" + t.Location().String() }
	return fmt.Sprintf("%d %q %s %q %d %q %s %d %q %q %q %q %s %s %s %s %s %s", r.ID, r.UniqueID, coworker,
		r.CoworkerFullName, r.BusinessID, r.BusinessName, ts(r.CheckinAttemptTime), r.Source, r.MacAddresses,
		r.Teams, r.Tariff, r.Description, ts(r.CheckinAttemptTimeLocal), ts(r.CreatedOn), ts(r.UpdatedOn),
		opt(r.UpdatedBy), opt(r.SystemID), opt(r.Reason))
}

// dump returns every record of the database db, described, in Id order.
func dump(t *testing.T, db string) []string {
	t.Helper()
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatalf("open %s: %v", displayDB(db), err)
	}
	defer s.Close()
	var out []string
	for r, err := range allRecords(t.Context(), s) {
		if err != nil {
			t.Fatalf("read %s: %v", displayDB(db), err)
		}
		out = append(out, describeRecord(r))
	}
	return out
}

// samplePath is the 2,000-row sample data set of the store tests.
const samplePath = "../../storetest/testdata/sample.csv"

// TestCopyRoundTrip copies the sample data set SQLite -> PostgreSQL ->
// SQLite and compares every record, and a user with its password hash.
func TestCopyRoundTrip(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	dir := t.TempDir()
	first, last := filepath.Join(dir, "first.db"), filepath.Join(dir, "last.db")
	if _, stderr, err := runCmd(t, "import", "--db", first, samplePath); err != nil {
		t.Fatalf("import = %v; stderr %s", err, stderr)
	}
	if _, err := runUsersCmd(t, "", "add", "--db", first, "--email", "ops@example.com", "--password", "correct horse", "--businesses", "1001,1002",
		"--mask-personal-data"); err != nil {
		t.Fatalf("users add = %v", err)
	}
	want := dump(t, first)
	if len(want) != 2000 {
		t.Fatalf("the sample holds %d records; want 2000", len(want))
	}
	for _, step := range [][2]string{{first, pg}, {pg, last}} {
		stdout, stderr, err := runCmd(t, "copy", "--from", step[0], "--to", step[1])
		if err != nil || !strings.Contains(stdout, "copied 2,000 records and 1 users") {
			t.Fatalf("copy --from %s --to %s = %v; stdout %q stderr %q", displayDB(step[0]), displayDB(step[1]), err, stdout, stderr)
		}
		got := dump(t, step[1])
		if !slices.Equal(got, want) {
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("after copy to %s record %d = %s; want %s", displayDB(step[1]), i, got[i], want[i])
				}
			}
			t.Fatalf("after copy to %s: %d records; want %d", displayDB(step[1]), len(got), len(want))
		}
	}
	for _, db := range []string{first, pg, last} {
		u := findUserIn(t, db, "OPS@example.com")
		if !fc.CheckPassword(u.PasswordHash, "correct horse") || !slices.Equal(u.Businesses, []int64{1001, 1002}) || !u.MaskPersonalData {
			t.Errorf("user in %s = %+v; want the copied (masked) user with its password hash", db, u)
		}
	}
	if _, _, err := runCmd(t, "copy", "--from", first, "--to", pg); err == nil || !strings.Contains(err.Error(), "empty database") {
		t.Errorf("copy into a full database = %v; want a refusal", err)
	}
}

func findUserIn(t *testing.T, db, email string) *fc.User {
	t.Helper()
	s, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.FindUserByEmail(t.Context(), email)
	if err != nil {
		t.Fatalf("FindUserByEmail(%s) in %s = %v", email, displayDB(db), err)
	}
	return u
}

// buildBinary compiles this command into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "failedcheckins")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startServe runs `serve --db dsn` (and any further flags) as a process
// and returns its base URL; the process is stopped when the test ends.
func startServe(t *testing.T, bin, dsn string, flags ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, flags...)...)
	cmd.Env = os.Environ()
	log := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + waitForAddr(t, log, done)
}

// tokenResponse is the body of POST /api/token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

func postToken(t *testing.T, base string, form url.Values) (int, tokenResponse) {
	t.Helper()
	resp, err := http.PostForm(base+"/api/token", form)
	if err != nil {
		t.Fatalf("POST %s/api/token = %v", base, err)
	}
	defer resp.Body.Close()
	var tr tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr) // error bodies leave tr empty
	return resp.StatusCode, tr
}

func getWithToken(t *testing.T, target, token string) int {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, target, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s = %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestTwoServersOnePostgres: two serve processes on one database are
// interchangeable. A token issued by one works on the other, a refresh on
// one retires the old refresh token on both, and a record imported while
// they run is found through both at once.
func TestTwoServersOnePostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	bin := buildBinary(t)
	if out, err := exec.Command(bin, "migrate", "--db", dsn).CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "users", "add", "--db", dsn, "--email", "admin@example.com", "--password", "pw-admin", "--admin").CombinedOutput(); err != nil {
		t.Fatalf("users add: %v\n%s", err, out)
	}
	a, b := startServe(t, bin, dsn), startServe(t, bin, dsn)

	status, tok := postToken(t, a, url.Values{"grant_type": {"password"}, "username": {"admin@example.com"}, "password": {"pw-admin"}})
	if status != http.StatusOK || tok.AccessToken == "" {
		t.Fatalf("password grant on A = %d %+v; want 200 and tokens", status, tok)
	}
	record := b + "/api/spaces/failedcheckins/4242"
	if got := getWithToken(t, record, tok.AccessToken); got != http.StatusNotFound {
		t.Fatalf("GET record 4242 on B with A's token = %d; want 404 (authenticated, no such record)", got)
	}

	// A record written through the CLI is visible on both servers at once.
	csv := filepath.Join(t.TempDir(), "one.csv")
	writeOneRecord(t, csv, 4242)
	if out, err := exec.Command(bin, "import", "--db", dsn, csv).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	for _, base := range []string{a, b} {
		if got := getWithToken(t, base+"/api/spaces/failedcheckins/4242", tok.AccessToken); got != http.StatusOK {
			t.Errorf("GET record 4242 on %s after import = %d; want 200", base, got)
		}
	}

	// Refresh on B; the old refresh token is then dead on A and B.
	status, next := postToken(t, b, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}})
	if status != http.StatusOK || next.RefreshToken == "" {
		t.Fatalf("refresh on B = %d %+v; want 200 and new tokens", status, next)
	}
	for _, base := range []string{a, b} {
		if status, _ := postToken(t, base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}); status != http.StatusBadRequest {
			t.Errorf("old refresh token on %s = %d; want 400", base, status)
		}
	}
	if got := getWithToken(t, a+"/api/spaces/failedcheckins/4242", next.AccessToken); got != http.StatusOK {
		t.Errorf("GET on A with the access token refreshed on B = %d; want 200", got)
	}
	if status, _ := postToken(t, a, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}}); status != http.StatusOK {
		t.Errorf("new refresh token on A = %d; want 200", status)
	}
}

// writeOneRecord writes a CSV file of one record with the given Id.
func writeOneRecord(t *testing.T, path string, id int64) {
	t.Helper()
	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	r := &fc.FailedCheckin{ID: id, BusinessID: 1001, BusinessName: "Main St", CoworkerFullName: "Ana Smith",
		CheckinAttemptTime: at, CheckinAttemptTimeLocal: at, CreatedOn: at, UpdatedOn: at, Source: fc.SourceDoorAccess,
		UniqueID: "0b5c8a4e-1f2d-4a6b-9c8d-7e6f5a4b3c2d"}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := csvrecord.Write(f, slices.Values([]*fc.FailedCheckin{r})); err != nil {
		t.Fatal(err)
	}
}
