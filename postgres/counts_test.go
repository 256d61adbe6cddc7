package postgres

import (
	"context"
	"fmt"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

const dayExpr = "floor(extract(epoch FROM checkin_attempt_time) / 86400)::bigint"

// checkRollups recomputes every rollup from the records and compares it
// with the counts the trigger kept, row for row; a zone map's bounds must
// hold every value of its blocks' records (they only widen: checkZone).
func checkRollups(t testing.TB, db *DB) {
	t.Helper()
	for _, ru := range sqlstore.Rollups {
		if ru.SQLiteOnly {
			continue
		}
		cols := ru.Columns()
		if ru.Bounds != nil {
			cols = cols[:len(cols)-2*len(ru.Bounds)]
			checkZone(t, db, ru)
		}
		group := slices.Clone(cols)
		if ru.ByDay() {
			group[len(group)-1] = dayExpr
		} else if ru.Bucket != nil && ru.Bucket.Field == fc.FieldID {
			group[len(group)-1] = fmt.Sprintf("floor(id::numeric / %d)::bigint", ru.Bucket.Width)
		}
		stored := readRows(t, db, "SELECT "+strings.Join(cols, ", ")+", n FROM "+ru.Name+" ORDER BY "+strings.Join(cols, ", "))
		fresh := readRows(t, db, "SELECT "+strings.Join(group, ", ")+", count(*) FROM failed_checkins GROUP BY "+
			strings.Join(group, ", ")+" ORDER BY "+strings.Join(group, ", "))
		if !slices.Equal(stored, fresh) {
			t.Errorf("%s holds %d rows %.300v; the records give %d rows %.300v", ru.Name, len(stored), stored, len(fresh), fresh)
		}
	}
}

// checkZone fails unless the bounds of zone map ru's rows hold every
// value of the records of their blocks (and locations).
func checkZone(t testing.TB, db *DB, ru *sqlstore.Rollup) {
	t.Helper()
	on := fmt.Sprintf("z.id_block = floor(f.id::numeric / %d)::bigint", ru.Bucket.Width)
	if len(ru.Fields) > 0 {
		on += " AND z.business_id = f.business_id"
	}
	var outside []string
	for _, f := range ru.Bounds {
		c := map[fc.Field]string{fc.FieldCheckinAttemptTime: "checkin_attempt_time", fc.FieldCheckinAttemptTimeLocal: "checkin_attempt_time_local",
			fc.FieldCreatedOn: "created_on", fc.FieldUpdatedOn: "updated_on"}[f]
		outside = append(outside, fmt.Sprintf("extract(epoch FROM f.%s) NOT BETWEEN z.%s_min AND z.%s_max", c, c, c))
	}
	q := "SELECT count(*) FROM failed_checkins AS f LEFT JOIN " + ru.Name + " AS z ON " + on +
		" WHERE z.id_block IS NULL OR " + strings.Join(outside, " OR ")
	var n int64
	if err := db.pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if n != 0 {
		t.Errorf("%s: %d records outside their block's bounds", ru.Name, n)
	}
}

func readRows(t testing.TB, db *DB, query string) []string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprint(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRollupsExact: two imports, a rolled-back one (a duplicate in its
// second COPY chunk) and the rejected attempts of the check-in suite all
// leave the rollups equal to a fresh GROUP BY.
func TestRollupsExact(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)
	seed := func(rs []*fc.FailedCheckin) error {
		_, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
			for _, r := range rs {
				if !yield(r, nil) {
					return
				}
			}
		})
		return err
	}
	if err := seed(sample[:1200]); err != nil {
		t.Fatal(err)
	}
	if err := seed(append(slices.Clone(sample[1200:]), sample[0])); fc.ErrorCode(err) != fc.ErrConflict {
		t.Fatalf("duplicate import error = %v; want ErrConflict", err)
	}
	checkRollups(t, db)
	if err := seed(sample[1200:]); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}

func TestRollupsAfterCheckinAttempts(t *testing.T) {
	storetest.RunCheckins(t, func(t *testing.T) storetest.CheckinBackend {
		db := openTest(t)
		t.Cleanup(func() { checkRollups(t, db) })
		return db
	})
}

// TestDeepPagesAndCounts compares counts and deep pages (reached by seek)
// with the reference search.
func TestDeepPagesAndCounts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range sample {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := storetest.Sample(t)
	rnd := rand.New(rand.NewPCG(6, 6))
	at := fc.FieldCheckinAttemptTime
	for i := range 100 {
		r := want[rnd.IntN(len(want))]
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: at, Descending: i%2 == 0, Size: []int{1, 7, 25}[rnd.IntN(3)]}
		q.Page = 1 + int64((1000+rnd.IntN(1000))/q.Size)
		switch rnd.IntN(3) {
		case 0:
			q.Conditions = append(q.Conditions, fc.TimeRange(at, time.Time{}, r.CheckinAttemptTime.Add(time.Duration(rnd.IntN(86400))*time.Second)))
		case 1:
			q.Conditions = append(q.Conditions, fc.TimeRange(at, r.CheckinAttemptTime.AddDate(0, -6, 0).Truncate(24*time.Hour), time.Time{}))
		}
		got, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := pageIDs(got), pageIDs(storetest.Search(want, q)); g != w {
			t.Fatalf("query %d (%+v) = %s; want %s", i, q, g, w)
		}
	}
}

func pageIDs(p *fc.FailedCheckinPage) string {
	ids := make([]int64, len(p.Records))
	for i, r := range p.Records {
		ids[i] = r.ID
	}
	return fmt.Sprintf("total %d ids %v", p.TotalItems, ids)
}

// TestCustomPlans: a search's snapshot plans each statement for its own
// values, and the connection goes back to the pool with PostgreSQL's
// default (generic plans for the repeated point lookups).
func TestCustomPlans(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	conn := acquire(t, db)
	show := func(q interface {
		QueryRow(context.Context, string, ...any) pgx.Row
	}) string {
		var mode string
		if err := q.QueryRow(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return mode
	}
	tx, err := conn.BeginTx(ctx, db.searchTx)
	if err != nil {
		t.Fatal(err)
	}
	if mode := show(tx); mode != "force_custom_plan" {
		t.Errorf("plan_cache_mode in a search = %q; want force_custom_plan", mode)
	}
	var readOnly, isolation string
	if err := tx.QueryRow(ctx, "SELECT current_setting('transaction_read_only'), current_setting('transaction_isolation')").Scan(&readOnly, &isolation); err != nil {
		t.Fatal(err)
	}
	if readOnly != "on" || isolation != "repeatable read" {
		t.Errorf("a search's transaction: read only %q, isolation %q; want on, repeatable read", readOnly, isolation)
	}
	tx.Rollback(ctx)
	if mode := show(conn); mode != "auto" {
		t.Errorf("plan_cache_mode after a search = %q; want auto (the SET is LOCAL)", mode)
	}
}

// TestBulkCountsFlushInChunks: an import's counts written in several
// flushes of one transaction (as a large import does), with the trigger
// standing aside, add up exactly: a double count by the trigger or a lost
// flush would show.
func TestBulkCountsFlushInChunks(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)[:60]
	err := db.withTx(ctx, func(tx pgx.Tx, now time.Time) error {
		b, err := startBulkCounts(ctx, tx)
		if err != nil {
			return err
		}
		b.limit = 7
		for i, r := range sample {
			row, err := sqlstore.PrepareRow(r, now)
			if err != nil {
				return err
			}
			if err := copyRows(ctx, tx, i, [][]any{sqlstore.FailedValues(dialect, r.ID, row)}); err != nil {
				return err
			}
			b.counts.Add(r)
			if err := b.flushIfLarge(ctx, tx); err != nil {
				return err
			}
		}
		return b.flush(ctx, tx)
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}

// TestPlanCacheModeFromDSN: a plan_cache_mode in the connection string is
// the operator's choice and holds inside searches too.
func TestPlanCacheModeFromDSN(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := Open(ctx, dsn+sep+"plan_cache_mode=force_generic_plan")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.pool.BeginTx(ctx, db.searchTx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var mode, readOnly string
	if err := tx.QueryRow(ctx, "SELECT current_setting('plan_cache_mode'), current_setting('transaction_read_only')").Scan(&mode, &readOnly); err != nil {
		t.Fatal(err)
	}
	if mode != "force_generic_plan" || readOnly != "on" {
		t.Errorf("in a search: plan_cache_mode %q, read only %q; want the DSN's force_generic_plan, on", mode, readOnly)
	}
}

// TestCountTriggersAfterCountingInGo: the insert count triggers stand aside only
// in a transaction that turned them off (sqlstore.Dialect.CountTriggersOff,
// the WHEN of migration 0024), not in the next transaction of the same
// connection, where the setting reads empty rather than NULL: there an
// INSERT, an UPDATE that moves a record to another MAC list and name, and
// a DELETE outside the service are counted by the triggers as before.
func TestCountTriggersAfterCountingInGo(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	conn := acquire(t, db)
	now := time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)
	insert := func(tx pgx.Tx, id int64, mac string) {
		t.Helper()
		r := minimalRecord()
		r.MacAddresses = mac
		row, err := sqlstore.PrepareRow(r, now)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(ctx, sqlstore.InsertFailedSQL, sqlstore.FailedValues(dialect, id, row)...); err != nil {
			t.Fatal(err)
		}
	}
	// Counted in Go: the triggers must not count it again.
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, dialect.CountTriggersOff); err != nil {
		t.Fatal(err)
	}
	insert(tx, 1, "aa:bb:cc:dd:ee:01")
	counts := sqlstore.NewRollupCounts(dialect)
	r := minimalRecord()
	r.MacAddresses = "aa:bb:cc:dd:ee:01"
	counts.Add(r)
	if err := counts.WriteChanges(ctx, dialect, &pgTx{tx: tx}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
	// The same connection, counted by the triggers.
	for _, stmt := range []func(pgx.Tx){
		func(tx pgx.Tx) { insert(tx, 2, "aa:bb:cc:dd:ee:02") },
		func(tx pgx.Tx) {
			_, err := tx.Exec(ctx, `UPDATE failed_checkins SET mac_addresses = '11:22:33:44:55:66', mac_addresses_fold = '11:22:33:44:55:66',
				coworker_full_name = 'Ben', coworker_full_name_fold = 'ben' WHERE id = 1`)
			if err != nil {
				t.Fatal(err)
			}
		},
		func(tx pgx.Tx) {
			if _, err := tx.Exec(ctx, `DELETE FROM failed_checkins WHERE id = 2`); err != nil {
				t.Fatal(err)
			}
		},
	} {
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		stmt(tx)
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		checkRollups(t, db)
	}
}

// TestCountTriggersOffCountsUpdates: in a transaction that turned the
// count triggers off (a check-in batch, an import), an UPDATE that moves
// a record to another MAC list and name is still counted by the update
// triggers: nothing in Go counts it (migration 0024 silences the insert
// triggers only; with the same WHEN on the update triggers, fc_count_mac,
// fc_count_name and fc_count_business_name kept the old keys).
func TestCountTriggersOffCountsUpdates(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	r := minimalRecord()
	r.MacAddresses = "aa:bb:cc:dd:ee:01"
	row, err := sqlstore.PrepareRow(r, time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, sqlstore.InsertFailedSQL, sqlstore.FailedValues(dialect, 1, row)...); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, dialect.CountTriggersOff); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE failed_checkins SET mac_addresses = '11:22:33:44:55:66', mac_addresses_fold = '11:22:33:44:55:66',
			coworker_full_name = 'Zed', coworker_full_name_fold = 'zed' WHERE id = 1`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
}
