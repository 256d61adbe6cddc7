package main

import (
	"database/sql"
	"path/filepath"
	"regexp"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

// TestCopyNamesTheRecordBreakingTheTextRules (issue 18 item 8): a history
// kept before the text rules (here a NUL in a Description, written
// straight into the file) is refused by copy, nothing copied, with the
// record's position and field, as docs/cli.md says: "record N: Field:
// ...". The message lacked the position (the store's error printed only
// its fields).
func TestCopyNamesTheRecordBreakingTheTextRules(t *testing.T) {
	dir := t.TempDir()
	from, to := filepath.Join(dir, "from.db"), filepath.Join(dir, "to.db")
	if _, stderr, err := runCmd(t, "import", "--db", from, samplePath); err != nil {
		t.Fatalf("import = %v; stderr %s", err, stderr)
	}
	raw, err := sql.Open("sqlite3", from)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`UPDATE failed_checkins SET description = 'a' || char(0) || 'b' WHERE id = (SELECT id FROM failed_checkins ORDER BY id LIMIT 1 OFFSET 4)`); err != nil {
		t.Fatal(err)
	}
	if err := raw.Close(); err != nil {
		t.Fatal(err)
	}
	_, _, err = runCmd(t, "copy", "--from", from, "--to", to)
	if err == nil || !regexp.MustCompile(`nothing was copied\): record 5: Description: must not contain control characters`).MatchString(err.Error()) {
		t.Errorf("copy of a record with a NUL = %v; want nothing copied and \"record 5: Description: ...\"", err)
	}
}
