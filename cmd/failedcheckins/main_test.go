package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// runCmd runs the command line in-process and returns what it printed.
func runCmd(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(t.Context(), args, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// countRecords opens the database at path and returns how many records it holds.
func countRecords(t *testing.T, path string) int64 {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("sqlite.Open(%s) = %v", path, err)
	}
	defer db.Close()
	page, err := db.FindFailedCheckins(t.Context(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1})
	if err != nil {
		t.Fatalf("FindFailedCheckins on %s = %v", path, err)
	}
	return page.TotalItems
}

// syncBuffer is a bytes.Buffer that a server goroutine may write while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestHelp(t *testing.T) {
	stdout, _, err := runCmd(t, "help")
	if err != nil || !strings.Contains(stdout, "failedcheckins import") {
		t.Errorf("run(help) = %v, stdout %q; want nil and the usage", err, stdout)
	}
	_, stderr, err := runCmd(t)
	if err == nil || exitCode(err) != 2 || !strings.Contains(stderr, "Usage:") {
		t.Errorf("run() = %v, stderr %q; want a usage error (exit 2) and the usage", err, stderr)
	}
	_, stderr, err = runCmd(t, "servr")
	if err == nil || exitCode(err) != 2 || !strings.Contains(stderr, `unknown command "servr"`) {
		t.Errorf("run(servr) = %v, stderr %q; want exit 2 naming the unknown command", err, stderr)
	}
	stdout, _, err = runCmd(t, "help", "serve")
	if err != nil || !strings.Contains(stdout, "-addr") {
		t.Errorf("run(help serve) = %v, stdout %q; want nil and serve's flags", err, stdout)
	}
	_, stderr, err = runCmd(t, "migrate", "--nope")
	if err == nil || exitCode(err) != 2 || !strings.Contains(stderr, "-nope") {
		t.Errorf("run(migrate --nope) = %v, stderr %q; want exit 2 naming the flag", err, stderr)
	}
}

// TestWrongSettingsExit2: a missing argument or a setting that does not
// parse is a wrong command line (exit status 2, README), and the message
// says what was wanted.
func TestWrongSettingsExit2(t *testing.T) {
	db := filepath.Join(t.TempDir(), "x.db")
	_, _, err := runCmd(t, "import", "--db", db)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "at least one CSV file") {
		t.Errorf("run(import with no file) = %v; want exit 2 asking for a CSV file", err)
	}
	csv := filepath.Join(t.TempDir(), "a.csv")
	t.Chdir(t.TempDir())
	_, _, err = runCmd(t, "import", csv, "--db", db)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "flags must come before the files") {
		t.Errorf("run(import FILE --db DB) = %v; want exit 2, flags must come before the files", err)
	}
	if _, err := os.Stat("failedcheckins.db"); err == nil {
		t.Errorf("import FILE --db DB created ./failedcheckins.db; want nothing done")
	}
	t.Setenv("FAILEDCHECKINS_SHUTDOWN_TIMEOUT", "abc")
	_, _, err = runCmd(t, "serve", "--db", db)
	if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "a Go duration such as 15s") {
		t.Errorf("run(serve) with FAILEDCHECKINS_SHUTDOWN_TIMEOUT=abc = %v; want exit 2 naming the duration format", err)
	}
}

func TestMigrateTwice(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	stdout, _, err := runCmd(t, "migrate", "--db", db)
	if err != nil || !strings.Contains(stdout, "schema migrated from version 0 to") {
		t.Fatalf("first migrate = %v, stdout %q; want the schema migrated from version 0", err, stdout)
	}
	stdout, _, err = runCmd(t, "migrate", "--db", db)
	if err != nil || !strings.Contains(stdout, "schema is up to date at version") {
		t.Fatalf("second migrate = %v, stdout %q; want the schema up to date", err, stdout)
	}
	if n := countRecords(t, db); n != 0 {
		t.Errorf("records after migrate = %d; want 0", n)
	}
}

func TestDBValidation(t *testing.T) {
	// A PostgreSQL URL selects the postgres store; nothing listens on port
	// 1, and the error must not repeat the password.
	for _, db := range []string{"postgres://u:secret@127.0.0.1:1/fc", "PostgreSQL://u:secret@127.0.0.1:1/fc"} {
		_, _, err := runCmd(t, "migrate", "--db", db)
		if err == nil || strings.Contains(err.Error(), "secret") {
			t.Errorf("migrate --db %s = %v; want an error without the password", db, err)
		}
	}
	missing := filepath.Join(t.TempDir(), "no-such-dir", "fc.db")
	_, _, err := runCmd(t, "migrate", "--db", missing)
	if err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("migrate --db %s = %v; want the missing directory named", missing, err)
	}
	_, _, err = runCmd(t, "serve", "--addr", "8080")
	if err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("serve --addr 8080 = %v; want host:port explained", err)
	}
}

func TestEnvFallback(t *testing.T) {
	dir := t.TempDir()
	fromEnv, fromFlag := filepath.Join(dir, "env.db"), filepath.Join(dir, "flag.db")
	t.Setenv("FAILEDCHECKINS_DB", fromEnv)
	if _, _, err := runCmd(t, "migrate"); err != nil {
		t.Fatalf("migrate with FAILEDCHECKINS_DB = %v; want nil", err)
	}
	if _, err := os.Stat(fromEnv); err != nil {
		t.Fatalf("FAILEDCHECKINS_DB=%s: database not created: %v", fromEnv, err)
	}
	if _, _, err := runCmd(t, "migrate", "--db", fromFlag); err != nil {
		t.Fatalf("migrate --db %s = %v; want nil", fromFlag, err)
	}
	if _, err := os.Stat(fromFlag); err != nil {
		t.Errorf("--db %s with FAILEDCHECKINS_DB set: flag did not win: %v", fromFlag, err)
	}
	t.Setenv("FAILEDCHECKINS_DEMO", "maybe")
	_, _, err := runCmd(t, "serve", "--addr", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), "FAILEDCHECKINS_DEMO") {
		t.Errorf("serve with FAILEDCHECKINS_DEMO=maybe = %v; want the variable named", err)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q; want %q", n, got, want)
		}
	}
}
