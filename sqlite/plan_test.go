package sqlite

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestQueryPlans: the benchmark shapes read an index in the requested
// order instead of sorting the matches (which would make deep pages and
// large locations slow).
func TestQueryPlans(t *testing.T) {
	db := openTest(t)
	at := fc.FieldCheckinAttemptTime
	tests := []struct {
		q     fc.Query
		index string
	}{
		{fc.Query{Scope: fc.BusinessScope(1001), Conditions: []fc.Condition{fc.TimeRange(at, time.Now(), time.Time{})}, OrderBy: at, Descending: true},
			"failed_checkins_business_time"},
		{fc.Query{Scope: fc.BusinessScope(1001), OrderBy: at, Descending: true}, "failed_checkins_business_time"},
		{fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldCreatedOn, Descending: true}, "failed_checkins_created"},
	}
	for _, tt := range tests {
		s, err := buildFind(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		args := append(s.args, 25, 0)
		rows, err := db.reader.Query("EXPLAIN QUERY PLAN "+s.page, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, tt.index) || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("plan of %q = %q; want index %s and no sort step", s.page, got, tt.index)
		}
	}
}

// TestSubstringCountPlans: the counts of q2 (name substring) and q3
// (business, source, description substring, from a day) seek the primary
// keys of their rollups on the dictionary's values instead of testing
// every row, and q2's page reads the folded name from the time index.
func TestSubstringCountPlans(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	at := fc.FieldCheckinAttemptTime
	q2 := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "smith")}, OrderBy: at, Descending: true, Size: 25, Page: 1}
	q3 := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001), fc.In(fc.FieldSource, 2),
		fc.Contains(fc.FieldDescription, "plan"), fc.TimeRange(at, time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC), time.Time{})}, OrderBy: at, Descending: true, Size: 25, Page: 1}
	tests := []struct {
		q    fc.Query
		want []string // in the plan of the last count statement
	}{
		{q2, []string{"SEARCH fc_count_name USING PRIMARY KEY (coworker_full_name=?)", "SEARCH fc_name_trigram USING PRIMARY KEY (trigram=?)"}},
		{q3, []string{"SEARCH fc_count_business_day_source_description USING PRIMARY KEY (business_id=? AND source=? AND description=? AND day>?)"}},
	}
	for _, tt := range tests {
		tx, err := db.reader.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var last sqlstore.Statement
		run := sqlstore.RunIntsOf(&sqlTx{tx: tx, prepared: func(string) *sql.Stmt { return nil }})
		record := func(ctx context.Context, st sqlstore.Statement, width int, row func([]int64) bool) error {
			last = st
			return run(ctx, st, width, row)
		}
		if _, err := sqlstore.CountMatching(ctx, sqlstore.SQLite(), record, tt.q); err != nil {
			t.Fatal(err)
		}
		wantPlan(t, tx, last, tt.want)
		page, err := sqlstore.PageStatement(ctx, sqlstore.SQLite(), run, tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := explain(t, tx, page.SQL, page.Args); strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("plan of the page %q = %q; want an index in order", page.SQL, got)
		} else if tt.q.Scope.All() && len(tt.q.Conditions) == 1 && !strings.Contains(got, "SCAN failed_checkins USING INDEX failed_checkins_time") {
			t.Errorf("plan of q2's page = %q; want the time index", got)
		}
		tx.Rollback()
	}
}

// wantPlan checks that SQLite's plan of st holds every text of want, and
// returns the plan.
func wantPlan(t *testing.T, tx *sql.Tx, st sqlstore.Statement, want []string) string {
	t.Helper()
	got := explain(t, tx, st.SQL, st.Args)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("plan of %q = %q; want %q", st.SQL, got, w)
		}
	}
	return got
}

func explain(t *testing.T, tx *sql.Tx, query string, args []any) string {
	t.Helper()
	rows, err := tx.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// TestResolutionPlan: the resolution UPDATE that every accepted check-in
// runs seeks the coworker's refusals at the location in the hour before
// (migration 0011's index), rather than every refusal of the coworker.
func TestResolutionPlan(t *testing.T) {
	db := openTest(t)
	rows, err := db.reader.Query("EXPLAIN QUERY PLAN "+sqlstore.ResolveSQL, 1, 0, 10, 1, 0, 3600)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	got := strings.Join(plan, "; ")
	want := "USING INDEX failed_checkins_coworker_business_time (coworker_id=? AND business_id=? AND checkin_attempt_time>? AND checkin_attempt_time<?)"
	if !strings.Contains(got, want) {
		t.Errorf("plan of the resolution = %q; want %q", got, want)
	}
}

// TestSortIndexPlans: every sort field of the search, in both directions,
// reads an index in the search's order (field, then id) instead of sorting
// the matches (migration 0014 added the ones that were missing); a page of
// one large location ordered by such a field is told to walk that index
// (sqlstore's orderWalk), and of a small location is left to gather
// and sort its few records (the nullable fields, empty in these records,
// read the location's ids in order instead: emptyGroupPage); and a filter on a column that has a sort index
// keeps the plan it had before the index existed (a Source filter ordered
// by CreatedOn walks failed_checkins_created, not gathering half the
// table through the Source index to sort it).
func TestSortIndexPlans(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.CreateFailedCheckins(ctx, generated(3000)); err != nil {
		t.Fatal(err)
	}
	tx, err := db.reader.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	run := sqlstore.RunIntsOf(&sqlTx{tx: tx, prepared: func(string) *sql.Stmt { return nil }})
	d := sqlstore.SQLite()
	page := func(q fc.Query) (string, string) {
		t.Helper()
		total, err := sqlstore.CountMatching(ctx, d, run, q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := sqlstore.PlanPage(ctx, d, run, q, total)
		if err != nil {
			t.Fatal(err)
		}
		return p.SQL, explain(t, tx, p.SQL, p.Args)
	}
	for _, f := range fc.FailedCheckinFields {
		for _, desc := range []bool{false, true} {
			sql, got := page(fc.Query{Scope: fc.AllBusinesses(), OrderBy: f, Descending: desc, Size: 25, Page: 1})
			if strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("order %s desc=%v: plan of %q = %q; want an index in order, no sort", f, desc, sql, got)
			}
		}
	}
	sortOnly := []fc.Field{fc.FieldBusinessName, fc.FieldSource, fc.FieldMacAddresses, fc.FieldTeams, fc.FieldTariff,
		fc.FieldDescription, fc.FieldUpdatedOn}
	// The nullable fields, which no record here sets: every page is inside
	// the group of empty values, read in id order (sqlstore's
	// emptyGroupPage) through the location's index, with no sort.
	for _, f := range []fc.Field{fc.FieldUpdatedBy, fc.FieldSystemID, fc.FieldReason, fc.FieldResolvedByCheckinID, fc.FieldResolvedOn} {
		for _, b := range []int64{1001, 1050} {
			q := fc.Query{Scope: fc.BusinessScope(b), OrderBy: f, Descending: b == 1001, Size: 25, Page: 2}
			if sql, got := page(q); !strings.Contains(sql, " ORDER BY id ") || !strings.Contains(got, "failed_checkins_business") || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("order %s, location %d: plan of %q = %q; want the location's ids in order", f, b, sql, got)
			}
		}
	}
	for _, f := range sortOnly {
		// 1001 holds about a sixth of the records: page 2 walks about 300
		// entries of the order's index instead of sorting about 500.
		large := fc.Query{Scope: fc.BusinessScope(1001), OrderBy: f, Descending: true, Size: 25, Page: 2}
		sql, got := page(large)
		if !strings.Contains(sql, " INDEXED BY ") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("order %s, a large location: plan of %q = %q; want a walk of the order's index", f, sql, got)
		}
		// 1050 holds about 25: gathering them is cheaper than walking 3000.
		small := fc.Query{Scope: fc.BusinessScope(1050), OrderBy: f, Size: 25, Page: 1}
		if sql, got := page(small); strings.Contains(sql, " INDEXED BY ") || !strings.Contains(got, "failed_checkins_business") {
			t.Errorf("order %s, a small location: plan of %q = %q; want the location's records gathered", f, sql, got)
		}
	}
	// Orders of the indexes SQLite's own plan knows (sqlstore's
	// wholeIndexes): with several locations it gathers their records
	// and sorts them; the page walks the order's index instead when the
	// counts say so (issue 17: a manager's five locations by CoworkerId
	// sorted 263,000 records for page 1).
	for _, f := range []fc.Field{fc.FieldCoworkerID, fc.FieldUniqueID, fc.FieldCheckinAttemptTimeLocal} {
		q := fc.Query{Scope: fc.BusinessScope(1001, 1002, 1003), OrderBy: f, Descending: true, Size: 25, Page: 2}
		if sql, got := page(q); !strings.Contains(sql, " INDEXED BY ") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("order %s, three locations: plan of %q = %q; want a walk of the order's index", f, sql, got)
		}
	}
	// With no term an index serves, SQLite walks the order's index
	// itself: no hint, no extra statement (q2: a name substring by time).
	byName := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "smith")},
		OrderBy: fc.FieldCheckinAttemptTime, Descending: true, Size: 25, Page: 1}
	if sql, got := page(byName); strings.Contains(sql, " INDEXED BY ") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("a name substring by CheckinAttemptTime: plan of %q = %q; want SQLite's own walk of the time index", sql, got)
	}
	// An Id range ordered by CreatedOn walks failed_checkins_created and
	// tests the id its entries end with (SQLite's plan sorted the range).
	idRange := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 100, Max: 2900}},
		OrderBy: fc.FieldCreatedOn, Descending: true, Size: 25, Page: 3}
	if sql, got := page(idRange); !strings.Contains(sql, " INDEXED BY failed_checkins_created ") || strings.Contains(got, "TEMP B-TREE") {
		t.Errorf("an Id range by CreatedOn: plan of %q = %q; want a walk of failed_checkins_created", sql, got)
	}
	// Left to SQLite: one location in an order it has a (business, field)
	// index for, and a range on another time than the order's (its
	// matches bunch in one stretch of the order, which a walk may reach
	// only after every record outside it).
	for _, f := range []fc.Field{fc.FieldCheckinAttemptTime, fc.FieldCreatedOn, fc.FieldCoworkerFullName, fc.FieldID} {
		q := fc.Query{Scope: fc.BusinessScope(1001), OrderBy: f, Descending: true, Size: 25, Page: 2}
		if sql, got := page(q); strings.Contains(sql, " INDEXED BY ") || strings.Contains(sql, " NOT INDEXED ") || !strings.Contains(got, "failed_checkins_business") {
			t.Errorf("order %s, one location: plan of %q = %q; want SQLite's own seek of the location", f, sql, got)
		}
	}
	var first, last int64
	if err := tx.QueryRow("SELECT min(checkin_attempt_time), max(checkin_attempt_time) FROM failed_checkins").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	middle := fc.TimeRange(fc.FieldCheckinAttemptTime, time.Unix(first+(last-first)/4, 0), time.Unix(last-(last-first)/4, 0))
	// The records' UniqueIds are the store's v7 ones, which grow with
	// time as CreatedOn does.
	for _, f := range []fc.Field{fc.FieldCreatedOn, fc.FieldUniqueID} {
		ranged := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{middle}, OrderBy: f, Size: 25, Page: 1}
		if sql, got := page(ranged); strings.Contains(sql, " INDEXED BY ") {
			t.Errorf("a CheckinAttemptTime range by %s: plan of %q = %q; want SQLite's own", f, sql, got)
		}
	}
	bySource := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldSource, 1, 2)},
		OrderBy: fc.FieldCreatedOn, Descending: true, Size: 25, Page: 1}
	if sql, got := page(bySource); got != "SCAN failed_checkins USING INDEX failed_checkins_created" {
		t.Errorf("a Source filter ordered by CreatedOn: plan of %q = %q; want the CreatedOn index walked", sql, got)
	}
}
