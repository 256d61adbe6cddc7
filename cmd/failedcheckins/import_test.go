package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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

// TestImportNewDatabaseBuiltAside: a first import into a file that does
// not exist yet builds the database beside it and moves it into place;
// neither a good nor a refused first file leaves the temporary file, and
// the good one's records are in the database.
func TestImportNewDatabaseBuiltAside(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		ok        bool
		records   int64
	}{
		{"good", csvHeader + csvRow("1", "2025-03-20T17:15:36Z") + csvRow("2", "2025-03-20T17:16:36Z"), true, 2},
		{"bad", csvHeader + csvRow("1", "2025-03-20T17:15:36Z") + "2,,x\n", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "fc.db")
			_, stderr, err := runCmd(t, "import", "--db", db, writeFile(t, "in.csv", tc.csv))
			if (err == nil) != tc.ok {
				t.Fatalf("import = %v (stderr %q); want success %v", err, stderr, tc.ok)
			}
			es, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, e := range es {
				names = append(names, e.Name())
			}
			if len(names) != 1 || names[0] != "fc.db" {
				t.Errorf("files after the import = %v; want fc.db alone", names)
			}
			if n := countRecords(t, db); n != tc.records {
				t.Errorf("records = %d; want %d", n, tc.records)
			}
		})
	}
}
