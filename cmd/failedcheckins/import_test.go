package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/failedcheckins/failedcheckins/sqlite"
)

const sampleCSV = "../../storetest/testdata/sample.csv"

const csvHeader = "Id,UniqueId,CoworkerId,CoworkerFullName,BusinessId,BusinessName,CheckinAttemptTime,Source,MacAddresses," +
	"TeamsAtTheTimeOfCheckin,TariffAtTheTimeOfCheckin,Description,CheckinAttemptTimeLocal,CreatedOn,UpdatedOn\n"

// csvRow returns a valid row with the given Id and attempt time.
func csvRow(id, attempt string) string {
	return id + ",," + "100001,Ana Silva,1001,Location 001 – Lisbon," + attempt +
		",2,,,Hot Desk Monthly,Plan expired,2025-03-20T18:15:36,2025-03-20T18:15:38Z,2025-03-20T18:15:38Z\n"
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func sampleRows(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(sampleCSV)
	if err != nil {
		t.Fatal(err)
	}
	return int64(strings.Count(strings.TrimSpace(string(b)), "\n")) // lines minus the header
}

func TestImportSample(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	stdout, stderr, err := runCmd(t, "import", "--db", db, sampleCSV)
	if err != nil {
		t.Fatalf("import sample = %v, stderr %q; want nil", err, stderr)
	}
	want := sampleRows(t)
	if n := countRecords(t, db); n != want {
		t.Errorf("records after importing the sample = %d; want %d", n, want)
	}
	if !strings.Contains(stdout, thousands(want)+" rows imported") || !strings.Contains(stdout, "rows/s") {
		t.Errorf("import stdout = %q; want the count and the rate", stdout)
	}
	if stderr != "" {
		t.Errorf("import stderr = %q; want nothing on a non-terminal", stderr)
	}
}

func TestImportBadRowKeepsNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	bad := writeFile(t, "bad.csv", csvHeader+csvRow("1", "2025-03-20T17:15:36Z")+csvRow("2", "2025-02-30T17:15:36Z")+
		csvRow("3", "2025-03-20T17:15:36Z"))
	_, stderr, err := runCmd(t, "import", "--db", db, bad)
	if err == nil {
		t.Fatalf("import of a bad date = nil; want an error")
	}
	want := bad + ": line 3, column 7 (CheckinAttemptTime)"
	if !strings.Contains(stderr, want) || !strings.Contains(stderr, "nothing of this file was imported") {
		t.Errorf("import stderr = %q; want it to contain %q and say nothing was kept", stderr, want)
	}
	if n := countRecords(t, db); n != 0 {
		t.Errorf("records after a failed import = %d; want 0", n)
	}
}

func TestImportExistingIDRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	if _, _, err := runCmd(t, "import", "--db", db, sampleCSV); err != nil {
		t.Fatalf("import sample = %v", err)
	}
	dup := writeFile(t, "dup.csv", csvHeader+csvRow("900001", "2025-03-20T17:15:36Z")+csvRow("5", "2025-03-20T17:15:36Z"))
	_, stderr, err := runCmd(t, "import", "--db", db, dup)
	if err == nil {
		t.Fatalf("import of an existing Id = nil; want an error")
	}
	if want := dup + ": line 3:"; !strings.Contains(stderr, want) || !strings.Contains(stderr, "Id 5") {
		t.Errorf("import stderr = %q; want it to contain %q and name Id 5", stderr, want)
	}
	if n, want := countRecords(t, db), sampleRows(t); n != want {
		t.Errorf("records after a refused file = %d; want %d (the refused file's new row not kept)", n, want)
	}
}

func TestImportFilesAreIndependent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	good := writeFile(t, "good.csv", csvHeader+csvRow("1", "2025-03-20T17:15:36Z")+csvRow("2", "2025-03-20T17:16:36Z"))
	bad := writeFile(t, "bad.csv", csvHeader+csvRow("3", "2025-03-20T17:15:36Z")+"4,,x\n")
	missing := filepath.Join(t.TempDir(), "missing.csv")
	stdout, stderr, err := runCmd(t, "import", "--db", db, good, bad, missing)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 files failed") {
		t.Fatalf("import good, bad, missing = %v; want 2 of 3 files failed", err)
	}
	if !strings.Contains(stdout, good+": 2 rows imported") {
		t.Errorf("stdout = %q; want the good file's summary", stdout)
	}
	if !strings.Contains(stderr, bad+": line 3") || !strings.Contains(stderr, missing) {
		t.Errorf("stderr = %q; want the bad file's line 3 and the missing file named", stderr)
	}
	if n := countRecords(t, db); n != 2 {
		t.Errorf("records = %d; want 2 (the good file only)", n)
	}
}

func TestImportNeedsFiles(t *testing.T) {
	_, _, err := runCmd(t, "import", "--db", filepath.Join(t.TempDir(), "fc.db"))
	if err == nil || !strings.Contains(err.Error(), "at least one CSV file") {
		t.Errorf("import without files = %v; want at least one CSV file asked for", err)
	}
}

// TestImportDuplicateUniqueID: a first import finds a UniqueId used twice
// only when it builds the index after the last row, and still names the
// line of the later record (here after a field spanning two lines and a
// blank line, which shift the lines), the record and the UniqueId.
func TestImportDuplicateUniqueID(t *testing.T) {
	db := filepath.Join(t.TempDir(), "fc.db")
	const u1, u2 = "0b7d3f4e-1c2a-4d5e-8f90-123456789abc", "1b7d3f4e-1c2a-4d5e-8f90-123456789abc"
	row := func(id, uid, desc string) string {
		return id + "," + uid + ",100001,Ana Silva,1001,Location 001 – Lisbon,2025-03-20T17:15:36Z" +
			",2,,,Hot Desk Monthly," + desc + ",2025-03-20T18:15:36,2025-03-20T18:15:38Z,2025-03-20T18:15:38Z\n"
	}
	dup := writeFile(t, "dup.csv", csvHeader+row("1", u1, "Plan expired")+row("2", u2, "\"two\nlines\"")+"\n"+
		row("3", "", "Plan expired")+row("4", strings.ToUpper(u1), "Plan expired")+row("5", "", "Plan expired"))
	_, stderr, err := runCmd(t, "import", "--db", db, dup)
	if err == nil {
		t.Fatalf("import of a duplicate UniqueId = nil; want an error")
	}
	want := dup + ": line 7: record 4: a record with UniqueId " + u1 + " already exists"
	if !strings.Contains(stderr, want) {
		t.Errorf("import stderr = %q; want it to contain %q", stderr, want)
	}
	if n := countRecords(t, db); n != 0 {
		t.Errorf("records after a refused first import = %d; want 0", n)
	}
}

func TestRecordLines(t *testing.T) {
	var l recordLines
	for _, line := range []int{2, 3, 5, 6, 7, 10, 11} { // record 3 after a blank line, 6 after a two-line field
		l.add(line)
	}
	for pos, want := range map[int]int{0: 0, 1: 2, 2: 3, 3: 5, 4: 6, 5: 7, 6: 10, 7: 11, 8: 0} {
		if got := l.line(pos); got != want {
			t.Errorf("line(%d) = %d; want %d", pos, got, want)
		}
	}
	if len(l.shifts) != 3 || l.last != 11 {
		t.Errorf("shifts = %v, last = %d; want 3 shifts, last 11", l.shifts, l.last)
	}
	for msg, want := range map[string]int{"record 12: a record with Id 5 already exists": 12, "record x: y": 0, "records 1: y": 0, "nothing": 0} {
		if got, ok := recordPosition(msg); got != want || ok != (want > 0) {
			t.Errorf("recordPosition(%q) = %d, %v; want %d", msg, got, ok, want)
		}
	}
}

// asideHooks wraps openAside and publishAside for one test: it counts
// the databases built aside and runs beforePublish, when set, before the
// real Publish, whose results after may replace.
type asideHooks struct {
	opened        int
	beforePublish func()
	after         func(warn, err error) (error, error)
}

func hookAside(t *testing.T) *asideHooks {
	t.Helper()
	h := &asideHooks{}
	openAside = func(ctx context.Context, path string) (*sqlite.DB, error) {
		h.opened++
		return sqlite.OpenAside(ctx, path)
	}
	publishAside = func(db *sqlite.DB) (error, error) {
		if h.beforePublish != nil {
			h.beforePublish()
		}
		warn, err := db.Publish()
		if h.after != nil {
			return h.after(warn, err)
		}
		return warn, err
	}
	t.Cleanup(func() { openAside, publishAside = sqlite.OpenAside, (*sqlite.DB).Publish })
	return h
}

// TestImportNewDatabaseBuiltAside: a first import into a file that does
// not exist yet (nor its -wal) builds the database beside it, where
// neither the file nor a WAL exists until it is published; neither a good
// nor a refused first file leaves the temporary file, and the good one's
// records are in the database. A -wal without its file is imported into
// as before.
func TestImportNewDatabaseBuiltAside(t *testing.T) {
	good := csvHeader + csvRow("1", "2025-03-20T17:15:36Z") + csvRow("2", "2025-03-20T17:16:36Z")
	for _, tc := range []struct {
		name, csv string
		wal       bool // a DB-wal exists before the import
		ok        bool
		aside     int // databases built aside
		published int
		records   int64
	}{
		{"good", good, false, true, 1, 1, 2},
		{"bad", csvHeader + csvRow("1", "2025-03-20T17:15:36Z") + "2,,x\n", false, false, 1, 0, 0},
		{"wal without its file", good, true, true, 0, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hookAside(t)
			dir := t.TempDir()
			db := filepath.Join(dir, "fc.db")
			if tc.wal {
				if err := os.WriteFile(db+"-wal", nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			published := 0
			h.beforePublish = func() {
				published++
				names := dirNames(t, dir)
				if len(names) != 1 || !strings.HasPrefix(names[0], "fc.db.import-") || !strings.HasSuffix(names[0], ".tmp") {
					t.Errorf("files before Publish = %v; want the temporary file alone (no fc.db, no WAL)", names)
				}
			}
			_, stderr, err := runCmd(t, "import", "--db", db, writeFile(t, "in.csv", tc.csv))
			if (err == nil) != tc.ok {
				t.Fatalf("import = %v (stderr %q); want success %v", err, stderr, tc.ok)
			}
			if h.opened != tc.aside || published != tc.published {
				t.Errorf("databases built aside = %d, published = %d; want %d, %d", h.opened, published, tc.aside, tc.published)
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "fc.db" {
				t.Errorf("files after the import = %v; want fc.db alone", names)
			}
			if n := countRecords(t, db); n != tc.records {
				t.Errorf("records = %d; want %d", n, tc.records)
			}
		})
	}
}

// TestImportAsideCreatedMeanwhile: when another process creates the
// database while the first file is built aside, that file fails, named,
// and the later files are imported into the other process's database.
func TestImportAsideCreatedMeanwhile(t *testing.T) {
	h := hookAside(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "fc.db")
	h.beforePublish = func() { // a server started on the path
		other, err := sqlite.Open(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(other.Migrate(t.Context()), other.Close()); err != nil {
			t.Fatal(err)
		}
	}
	in1 := writeFile(t, "in1.csv", csvHeader+csvRow("1", "2025-03-20T17:15:36Z"))
	in2 := writeFile(t, "in2.csv", csvHeader+csvRow("3", "2025-03-20T17:15:36Z")+csvRow("4", "2025-03-20T17:16:36Z"))
	stdout, stderr, err := runCmd(t, "import", "--db", db, in1, in2)
	if err == nil || !strings.Contains(err.Error(), "1 of 2 files failed") {
		t.Errorf("import = %v; want 1 of 2 files failed", err)
	}
	if want := in1 + ": " + db + ": " + sqlite.ErrDatabaseExists.Error() + "; nothing of this file was imported"; !strings.Contains(stderr, want) {
		t.Errorf("stderr = %q; want %q", stderr, want)
	}
	if !strings.Contains(stdout, in2+": 2 rows imported") || strings.Contains(stdout, in1) {
		t.Errorf("stdout = %q; want %s's 2 rows imported, nothing of %s", stdout, in2, in1)
	}
	if names := dirNames(t, dir); len(names) != 1 || names[0] != "fc.db" {
		t.Errorf("files after the import = %v; want fc.db alone", names)
	}
	if n := countRecords(t, db); n != 2 {
		t.Errorf("records = %d; want in2.csv's 2", n)
	}
}

// TestImportAsidePublishedWithWarning: once Publish has put the database
// in place, a failure after (removing the temporary name, syncing the
// directory) is a warning: the file counts as imported. A temporary name
// left linked to the database is removed by the next import.
func TestImportAsidePublishedWithWarning(t *testing.T) {
	h := hookAside(t)
	h.after = func(warn, err error) (error, error) {
		return errors.Join(warn, errors.New("sync failed")), err
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "fc.db")
	in := writeFile(t, "in.csv", csvHeader+csvRow("1", "2025-03-20T17:15:36Z")+csvRow("2", "2025-03-20T17:16:36Z"))
	stdout, stderr, err := runCmd(t, "import", "--db", db, in)
	if err != nil || !strings.Contains(stdout, in+": 2 rows imported") {
		t.Errorf("import = %v, stdout %q; want success, 2 rows imported", err, stdout)
	}
	if !strings.Contains(stderr, "warning: sync failed") || strings.Contains(stderr, "nothing of this file") {
		t.Errorf("stderr = %q; want the warning alone", stderr)
	}
	if n := countRecords(t, db); n != 2 {
		t.Errorf("records = %d; want 2", n)
	}

	// A crash between Publish's link and its removal of the name.
	linked := db + ".import-7.tmp"
	if err := os.Link(db, linked); err != nil {
		t.Fatal(err)
	}
	unrelated := db + ".import-8.tmp" // another import's, being built
	if err := os.WriteFile(unrelated, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, err = runCmd(t, "import", "--db", db, writeFile(t, "in2.csv", csvHeader+csvRow("3", "2025-03-20T17:15:36Z")))
	if err != nil || !strings.Contains(stderr, "removed "+linked) {
		t.Errorf("second import = %v, stderr %q; want success, %s removed", err, stderr, linked)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"fc.db", filepath.Base(unrelated)}) {
		t.Errorf("files after the second import = %v; want fc.db and %s", names, filepath.Base(unrelated))
	}
	if n := countRecords(t, db); n != 3 {
		t.Errorf("records = %d; want 3", n)
	}
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}
