package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// bucketExpr is floor(column / width) of a rollup's bucket, also for
// negative values.
func bucketExpr(b *sqlstore.Bucket) string {
	col := map[fc.Field]string{fc.FieldCheckinAttemptTime: "checkin_attempt_time", fc.FieldCreatedOn: "created_on",
		fc.FieldUpdatedOn: "updated_on", fc.FieldID: "id"}[b.Field]
	w := fmt.Sprint(b.Width)
	return "(" + col + " - ((" + col + " % " + w + ") + " + w + ") % " + w + ") / " + w
}

// checkRollups recomputes every rollup from the records and compares it
// with the stored counts, row for row.
func checkRollups(t testing.TB, db *DB) {
	t.Helper()
	for _, ru := range sqlstore.Rollups {
		if ru.Bounds != nil {
			checkZone(t, db, ru)
			continue
		}
		cols := ru.Columns()
		group := slices.Clone(cols)
		if ru.Bucket != nil {
			group[len(group)-1] = bucketExpr(ru.Bucket)
		}
		list := strings.Join(cols, ", ")
		stored := readRows(t, db, "SELECT "+list+", n FROM "+ru.Name+" ORDER BY "+list)
		fresh := readRows(t, db, "SELECT "+strings.Join(group, ", ")+", count(*) FROM failed_checkins GROUP BY "+
			strings.Join(group, ", ")+" ORDER BY "+strings.Join(group, ", "))
		if !slices.Equal(stored, fresh) {
			t.Errorf("%s holds %d rows %.300v; the records give %d rows %.300v", ru.Name, len(stored), stored, len(fresh), fresh)
		}
	}
}

// checkZone compares a zone map with its records: the same blocks with
// the same counts, and bounds that hold every value of the block's
// records (they may be wider: they only widen).
func checkZone(t testing.TB, db *DB, ru *sqlstore.Rollup) {
	t.Helper()
	key := ru.Columns()[:len(ru.Fields)+1]
	fresh := append(slices.Clone(key[:len(key)-1]), bucketExpr(ru.Bucket))
	var minmax []string
	for _, f := range ru.Bounds {
		c := map[fc.Field]string{fc.FieldCheckinAttemptTime: "checkin_attempt_time", fc.FieldCheckinAttemptTimeLocal: "checkin_attempt_time_local",
			fc.FieldCreatedOn: "created_on", fc.FieldUpdatedOn: "updated_on"}[f]
		minmax = append(minmax, "min("+c+")", "max("+c+")")
	}
	group := strings.Join(fresh, ", ")
	want := readRows(t, db, "SELECT "+group+", count(*), "+strings.Join(minmax, ", ")+" FROM failed_checkins GROUP BY "+group+" ORDER BY "+group)
	cols := ru.Columns()
	got := readRows(t, db, "SELECT "+strings.Join(key, ", ")+", n, "+strings.Join(cols[len(key):], ", ")+" FROM "+ru.Name+" ORDER BY "+strings.Join(key, ", "))
	if len(got) != len(want) {
		t.Errorf("%s holds %d rows %.300v; the records give %d rows %.300v", ru.Name, len(got), got, len(want), want)
		return
	}
	for i := range got {
		g, w := strings.Fields(got[i]), strings.Fields(want[i])
		ok := slices.Equal(g[:len(key)+1], w[:len(key)+1])
		for j := len(key) + 1; ok && j < len(g); j += 2 {
			ok = atoi(t, g[j]) <= atoi(t, w[j]) && atoi(t, g[j+1]) >= atoi(t, w[j+1])
		}
		if !ok {
			t.Errorf("%s row %v does not hold its records' %v (key, n, then min and max of each bound)", ru.Name, g, w)
		}
	}
}

func atoi(t testing.TB, s string) int64 {
	t.Helper()
	var v int64
	if _, err := fmt.Sscan(s, &v); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return v
}

func readRows(t testing.TB, db *DB, query string) []string {
	t.Helper()
	rows, err := db.writer.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	return out
}

// TestRollupsExactAfterWrites: imports in several transactions, a failed
// import (rolled back), records before 1970 and on day boundaries, and
// the check-in attempts path all leave every rollup equal to a fresh
// GROUP BY of the records.
func TestRollupsExactAfterWrites(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	rs := slices.Collect(func(yield func(*fc.FailedCheckin) bool) {
		for r := range generated(3000) {
			if !yield(r) {
				return
			}
		}
	})
	rs[0].CheckinAttemptTime = time.Unix(-86400*3-1, 0).UTC() // before 1970, just before a boundary
	rs[1].CheckinAttemptTime = time.Unix(-86400*3, 0).UTC()
	rs[2].CheckinAttemptTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, part := range [][]*fc.FailedCheckin{rs[:1000], rs[1000:2500]} {
		if _, err := db.CreateFailedCheckins(ctx, storetestRecords(part)); err != nil {
			t.Fatal(err)
		}
	}
	bad := slices.Clone(rs[2500:])
	bad = append(bad, rs[0]) // a duplicate Id: the whole import rolls back
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(bad)); fc.ErrorCode(err) != fc.ErrConflict {
		t.Fatalf("duplicate import error = %v; want ErrConflict", err)
	}
	checkRollups(t, db)
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(rs[2500:])); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}

func storetestRecords(rs []*fc.FailedCheckin) func(func(*fc.FailedCheckin, error) bool) {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestRollupsAfterCheckinAttempts runs the check-in conformance suite (whose
// rejected attempts insert failed check-ins) and checks the rollups after
// every subtest.
func TestRollupsAfterCheckinAttempts(t *testing.T) {
	storetest.RunCheckins(t, func(t *testing.T) storetest.CheckinBackend {
		db := openTest(t)
		t.Cleanup(func() { checkRollups(t, db) })
		return db
	})
}

// TestMigrationBackfillsRollups: migrations 0005 and 0007 on a database
// that already holds records fill the rollups from them.
func TestMigrationBackfillsRollups(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.CreateFailedCheckins(ctx, generated(2000)); err != nil {
		t.Fatal(err)
	}
	// Undo the migrations from 0005 on (0005's rollups, 0007's description
	// rollup, 0008's table of two-factor steps): drop what they create,
	// then run them again.
	for _, name := range []string{"0005_counts.sql", "0007_search_dictionaries.sql", "0008_totp_steps.sql", "0009_records_that_change.sql", "0010_business_order_indexes.sql"} {
		text, err := migrationFiles.ReadFile("migrations/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`CREATE (TABLE|INDEX|TRIGGER) (\w+)`).FindAllStringSubmatch(string(text), -1) {
			if _, err := db.writer.Exec("DROP " + m[1] + " IF EXISTS " + m[2]); err != nil {
				t.Fatal(err)
			}
		}
	}
	withoutResolution(t, db)
	// 0005 and the later ones run again (0006 is a no-op the second time).
	if _, err := db.writer.Exec("DELETE FROM schema_migrations WHERE version >= 5"); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}

// TestDeepPagesAndCounts compares counts and deep pages (reached by seek)
// with the reference search, on ranges cut at and between day boundaries,
// in both directions, over several locations.
func TestDeepPagesAndCounts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	all := slices.Collect(func(yield func(*fc.FailedCheckin) bool) {
		for r := range generated(6000) {
			if !yield(r) {
				return
			}
		}
	})
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(all)); err != nil {
		t.Fatal(err)
	}
	want := slices.Collect(func(yield func(*fc.FailedCheckin) bool) {
		for r := range generated(6000) {
			if !yield(r) {
				return
			}
		}
	})
	rnd := rand.New(rand.NewPCG(6, 6))
	start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := range 200 {
		q := deepQuery(rnd, start, i)
		got, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		ref := storetest.Search(want, q)
		if g, w := pageIDs(got), pageIDs(ref); g != w {
			t.Fatalf("query %d (%+v) = %s; want %s", i, q, g, w)
		}
	}
}

// deepQuery returns a random search ordered by CheckinAttemptTime whose
// page is usually deep enough to seek.
func deepQuery(rnd *rand.Rand, start time.Time, i int) fc.Query {
	at := fc.FieldCheckinAttemptTime
	q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: at, Descending: i%2 == 0, Size: []int{1, 25, 100}[rnd.IntN(3)]}
	q.Page = 1 + int64(rnd.IntN(5000)/q.Size)
	if rnd.IntN(3) == 0 {
		q.Scope = fc.BusinessScope(1001, int64(1002+rnd.IntN(5)))
	}
	if rnd.IntN(2) == 0 {
		q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, 1001))
	}
	from := start.Add(time.Duration(rnd.IntN(200*24)) * time.Hour / 2)
	switch rnd.IntN(4) {
	case 0:
		q.Conditions = append(q.Conditions, fc.TimeRange(at, from, time.Time{}))
	case 1:
		q.Conditions = append(q.Conditions, fc.TimeRange(at, time.Time{}, from.Add(90*24*time.Hour+time.Duration(rnd.IntN(86400))*time.Second)))
	case 2:
		q.Conditions = append(q.Conditions, fc.TimeRange(at, from.Truncate(24*time.Hour), from.AddDate(0, 4, 0).Truncate(24*time.Hour)))
	}
	if rnd.IntN(4) == 0 {
		q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, 1, 2), fc.Contains(fc.FieldDescription, "PLAN"))
	}
	return q
}

func pageIDs(p *fc.FailedCheckinPage) string {
	ids := make([]int64, len(p.Records))
	for i, r := range p.Records {
		ids[i] = r.ID
	}
	return fmt.Sprintf("total %d ids %v", p.TotalItems, ids)
}

// TestRollupCounterFlushesInChunks: counts written in several flushes of
// one transaction (as a large import does) add up exactly.
func TestRollupCounterFlushesInChunks(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	err := db.withWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		c := newRollupCounter()
		c.limit = 7
		for r := range generated(500) {
			args, row, err := insertArgs(r, now)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, sqlstore.InsertFailedSQL, args...); err != nil {
				return err
			}
			c.Add(row.Counted(r.ID))
			if err := c.flushIfLarge(ctx, tx); err != nil {
				return err
			}
		}
		return c.flush(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}

// TestFirstImportRebuildsIndexes: an import into the empty table drops
// and rebuilds the secondary indexes; they are all there afterwards, and a
// failed first import leaves them in place too.
func TestFirstImportRebuildsIndexes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	const list = "SELECT name || ': ' || sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'failed_checkins' AND sql IS NOT NULL ORDER BY name"
	before := readRows(t, db, list)
	if len(before) < 4 {
		t.Fatalf("indexes before = %v; want the migrations' indexes", before)
	}
	bad := func(yield func(*fc.FailedCheckin, error) bool) { yield(&fc.FailedCheckin{}, nil) }
	if _, err := db.CreateFailedCheckins(ctx, bad); fc.ErrorCode(err) != fc.ErrInvalid {
		t.Fatalf("invalid import error = %v; want ErrInvalid", err)
	}
	if got := readRows(t, db, list); !slices.Equal(got, before) {
		t.Errorf("indexes after a failed import = %v; want %v", got, before)
	}
	if _, err := db.CreateFailedCheckins(ctx, generated(500)); err != nil {
		t.Fatal(err)
	}
	if got := readRows(t, db, list); !slices.Equal(got, before) {
		t.Errorf("indexes after the first import = %v; want %v", got, before)
	}
}
