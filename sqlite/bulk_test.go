package sqlite

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// withUniqueIDs is generated(n) with UniqueId i for record i (uid(i)),
// the ids given by ids (nil: 1..n), and change applied to each record.
func withUniqueIDs(n int, ids []int64, change func(pos int, r *fc.FailedCheckin)) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		pos := 0
		for r := range generated(n) {
			pos++
			r.UniqueID = uid(pos)
			if ids != nil {
				r.ID = ids[pos-1]
			}
			if change != nil {
				change(pos, r)
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func uid(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

const indexList = `SELECT name || ': ' || sql FROM sqlite_schema
	WHERE type = 'index' AND tbl_name = 'failed_checkins' AND sql IS NOT NULL ORDER BY name`

// errBrokenLine stands for a CSV error after the records yielded so far.
var errBrokenLine = errors.New("broken line")

// TestFirstImportDuplicateUniqueID: a first import builds the UniqueId
// index after the last row, and still refuses a file with a UniqueId
// twice with the error its insert would have given: ErrConflict naming the
// later record and the UniqueId, and an error in a later record does not
// hide it. Nothing is kept, and the indexes are all still there.
func TestFirstImportDuplicateUniqueID(t *testing.T) {
	ctx := context.Background()
	desc := func(n int) []int64 { // ids n..1: each lower than the one before
		ids := make([]int64, n)
		for i := range ids {
			ids[i] = int64(n - i)
		}
		return ids
	}
	sameAs := func(at, earlier int) func(int, *fc.FailedCheckin) {
		return func(pos int, r *fc.FailedCheckin) {
			if pos == at {
				r.UniqueID = strings.ToUpper(uid(earlier)) // same UUID, other case
			}
		}
	}
	both := func(fs ...func(int, *fc.FailedCheckin)) func(int, *fc.FailedCheckin) {
		return func(pos int, r *fc.FailedCheckin) {
			for _, f := range fs {
				f(pos, r)
			}
		}
	}
	invalidAt := func(at int) func(int, *fc.FailedCheckin) {
		return func(pos int, r *fc.FailedCheckin) {
			if pos == at {
				r.BusinessID = 0
			}
		}
	}
	idAt := func(at int, id int64) func(int, *fc.FailedCheckin) {
		return func(pos int, r *fc.FailedCheckin) {
			if pos == at {
				r.ID = id
			}
		}
	}
	for _, tc := range []struct {
		name    string
		records iter.Seq2[*fc.FailedCheckin, error]
		code    string
		msg     string
	}{
		{"duplicate", withUniqueIDs(3000, nil, sameAs(2500, 17)),
			fc.ErrConflict, "record 2500: a record with UniqueId " + uid(17) + " already exists"},
		{"two duplicates", withUniqueIDs(3000, nil, both(sameAs(2500, 17), sameAs(1200, 1100))),
			fc.ErrConflict, "record 1200: a record with UniqueId " + uid(1100) + " already exists"},
		{"duplicate then invalid", withUniqueIDs(3000, nil, both(sameAs(1000, 5), invalidAt(2000))),
			fc.ErrConflict, "record 1000: a record with UniqueId " + uid(5) + " already exists"},
		{"invalid then duplicate", withUniqueIDs(3000, nil, both(sameAs(2000, 5), invalidAt(1000))),
			fc.ErrInvalid, "record 1000: "},
		{"duplicate then taken Id", withUniqueIDs(3000, nil, both(sameAs(1000, 5), idAt(2000, 7))),
			fc.ErrConflict, "record 1000: a record with UniqueId " + uid(5) + " already exists"},
		{"taken Id then duplicate", withUniqueIDs(3000, nil, both(sameAs(2000, 5), idAt(1000, 7))),
			fc.ErrConflict, "record 1000: a record with Id 7 already exists"},
		{"ids decreasing, duplicate", withUniqueIDs(3000, desc(3000), sameAs(2500, 17)),
			fc.ErrConflict, "record 2500: a record with UniqueId " + uid(17) + " already exists"},
		{"ids out of order later, duplicate before", withUniqueIDs(3000, nil, both(sameAs(1500, 3), idAt(2000, 1_000_000), idAt(2001, 999_999))),
			fc.ErrConflict, "record 1500: a record with UniqueId " + uid(3) + " already exists"},
		{"ids out of order, duplicate after", withUniqueIDs(3000, nil, both(sameAs(2500, 3), idAt(2000, 1_000_000), idAt(2001, 999_999))),
			fc.ErrConflict, "record 2500: a record with UniqueId " + uid(3) + " already exists"},
		{"no ids, duplicate", withUniqueIDs(3000, make([]int64, 3000), sameAs(3000, 2999)),
			fc.ErrConflict, "record 3000: a record with UniqueId " + uid(2999) + " already exists"},
		{"sequence error after a duplicate", func(yield func(*fc.FailedCheckin, error) bool) {
			for r, err := range withUniqueIDs(100, nil, sameAs(50, 1)) {
				if !yield(r, err) {
					return
				}
			}
			yield(nil, errBrokenLine)
		}, fc.ErrConflict, "record 50: a record with UniqueId " + uid(1) + " already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			before := readRows(t, db, indexList)
			n, err := db.CreateFailedCheckins(ctx, tc.records)
			if n != 0 || fc.ErrorCode(err) != tc.code || !strings.HasPrefix(fc.ErrorMessage(err), tc.msg) {
				t.Errorf("CreateFailedCheckins = %d, %v (%s); want 0 and %s %q", n, err, fc.ErrorCode(err), tc.code, tc.msg)
			}
			// The earlier duplicate must not carry the later error with it:
			// callers (the CLI) look for a row error with errors.As.
			if tc.code == fc.ErrConflict && errors.Is(err, errBrokenLine) {
				t.Errorf("CreateFailedCheckins = %v; the duplicate's error wraps the later sequence error", err)
			}
			if got := readRows(t, db, "SELECT count(*) FROM failed_checkins"); !slices.Equal(got, []string{"0"}) {
				t.Errorf("records after the failed import = %v; want 0", got)
			}
			if got := readRows(t, db, indexList); !slices.Equal(got, before) {
				t.Errorf("indexes after the failed import = %v; want %v", got, before)
			}
		})
	}
}

// TestFirstImportOutOfOrderIDs: a first import whose Ids do not grow
// (the UniqueId index is then built at the first such row) stores every
// record, and later imports still refuse a duplicate UniqueId.
func TestFirstImportOutOfOrderIDs(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ids := make([]int64, 2000)
	for i := range ids {
		ids[i] = int64((i*7919)%2000 + 1) // a permutation of 1..2000
	}
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(2000, ids, nil)); n != 2000 || err != nil {
		t.Fatalf("CreateFailedCheckins = %d, %v; want 2000, nil", n, err)
	}
	checkRollups(t, db)
	if got := readRows(t, db, "SELECT count(DISTINCT unique_id) FROM failed_checkins"); !slices.Equal(got, []string{"2000"}) {
		t.Errorf("distinct UniqueIds = %v; want 2000", got)
	}
	again := func(yield func(*fc.FailedCheckin, error) bool) {
		yield(&fc.FailedCheckin{ID: 5000, UniqueID: uid(1234), BusinessID: 1, CheckinAttemptTime: at0, CheckinAttemptTimeLocal: at0}, nil)
	}
	if _, err := db.CreateFailedCheckins(ctx, again); fc.ErrorCode(err) != fc.ErrConflict || !strings.Contains(fc.ErrorMessage(err), uid(1234)) {
		t.Errorf("second import with a taken UniqueId = %v; want ErrConflict naming it", err)
	}
	if got := readRows(t, db, indexList); len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), "CREATE UNIQUE INDEX failed_checkins_unique_id ON failed_checkins (unique_id)") {
		t.Errorf("indexes = %v; want failed_checkins_unique_id among them", got)
	}
}

// TestFirstImportFlushesCountsInChunks: the counts of a first import are
// written in several flushes when it is larger than bulkFlushEvery (here
// made small), and add up exactly.
func TestFirstImportFlushesCountsInChunks(t *testing.T) {
	defer func(old int) { bulkFlushEvery = old }(bulkFlushEvery)
	bulkFlushEvery = 333
	db := openTest(t)
	if n, err := db.CreateFailedCheckins(context.Background(), withUniqueIDs(2000, nil, nil)); n != 2000 || err != nil {
		t.Fatalf("CreateFailedCheckins = %d, %v; want 2000, nil", n, err)
	}
	checkRollups(t, db)
	if got := readRows(t, db, "PRAGMA threads"); !slices.Equal(got, []string{"0"}) {
		t.Errorf("PRAGMA threads after the import = %v; want 0 (helpers only while building indexes)", got)
	}
}

var at0 = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

// TestImportIntoRecordsInBatches: an import into a table that already has
// records inserts full batches of rows with one statement
// (multiInsert); a conflict in the middle of a batch still names its
// record, keeps nothing of the file, and a clean file after it is stored
// with exact counts.
func TestImportIntoRecordsInBatches(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	if n, err := db.CreateFailedCheckins(ctx, withUniqueIDs(10, nil, nil)); n != 10 || err != nil {
		t.Fatalf("first CreateFailedCheckins = %d, %v; want 10, nil", n, err)
	}
	later := func(change func(pos int, r *fc.FailedCheckin)) iter.Seq2[*fc.FailedCheckin, error] {
		ids := make([]int64, 100)
		for i := range ids {
			ids[i] = int64(i + 11)
		}
		return withUniqueIDs(100, ids, func(pos int, r *fc.FailedCheckin) {
			r.UniqueID = uid(1000 + pos) // not the first import's
			if change != nil {
				change(pos, r)
			}
		})
	}
	for _, tc := range []struct {
		name   string
		change func(pos int, r *fc.FailedCheckin)
		msg    string
	}{
		{"taken UniqueId", func(pos int, r *fc.FailedCheckin) {
			if pos == 70 {
				r.UniqueID = uid(3)
			}
		}, "record 70: a record with UniqueId " + uid(3) + " already exists"},
		{"taken Id", func(pos int, r *fc.FailedCheckin) {
			if pos == 45 {
				r.ID = 4
			}
		}, "record 45: a record with Id 4 already exists"},
	} {
		n, err := db.CreateFailedCheckins(ctx, later(tc.change))
		if n != 0 || fc.ErrorCode(err) != fc.ErrConflict || !strings.HasPrefix(fc.ErrorMessage(err), tc.msg) {
			t.Errorf("%s: CreateFailedCheckins = %d, %v; want 0 and %q", tc.name, n, err, tc.msg)
		}
		if got := readRows(t, db, "SELECT count(*) FROM failed_checkins"); !slices.Equal(got, []string{"10"}) {
			t.Errorf("%s: records after the failed import = %v; want 10", tc.name, got)
		}
	}
	if n, err := db.CreateFailedCheckins(ctx, later(nil)); n != 100 || err != nil {
		t.Fatalf("CreateFailedCheckins = %d, %v; want 100, nil", n, err)
	}
	if got := readRows(t, db, "SELECT count(*), min(id), max(id) FROM failed_checkins"); !slices.Equal(got, []string{"110 1 110"}) {
		t.Errorf("records = %v; want [110 1 110]", got)
	}
	checkRollups(t, db)
}
