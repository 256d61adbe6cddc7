package sqlite

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMergedPages compares with the reference search the pages of
// searches over a few locations (a manager's scope, a BusinessId filter,
// both), in every order with an index per location and a few without,
// both directions, every part of the result (first pages, pages past the
// middle, which are read in the mirror order, the last and past the
// end), with and without conditions the per-location walk must test.
func TestMergedPages(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	collect := func() []*fc.FailedCheckin {
		var out []*fc.FailedCheckin
		for r := range generated(6000) {
			out = append(out, r)
		}
		return out
	}
	if _, err := db.CreateFailedCheckins(ctx, storetestRecords(collect())); err != nil {
		t.Fatal(err)
	}
	want := collect()
	rnd := rand.New(rand.NewPCG(17, 17))
	locations := func(n int) []int64 {
		var ids []int64
		for range n {
			ids = append(ids, int64(1001+rnd.IntN(12)))
		}
		return ids
	}
	orders := []fc.Field{fc.FieldCreatedOn, fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCoworkerFullName,
		fc.FieldBusinessID, fc.FieldIsNew, fc.FieldDescription}
	for i := range 400 {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: orders[rnd.IntN(len(orders))], Descending: rnd.IntN(2) == 0,
			Size: []int{1, 7, 25, 100}[rnd.IntN(4)]}
		switch rnd.IntN(3) {
		case 0:
			q.Scope = fc.BusinessScope(append(locations(1+rnd.IntN(5)), 999999)...)
		case 1:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, locations(2+rnd.IntN(3))...))
		default:
			q.Scope = fc.BusinessScope(locations(3)...)
			q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, locations(4)...))
		}
		switch rnd.IntN(5) {
		case 0:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, 1, 2))
		case 1:
			q.Conditions = append(q.Conditions, fc.Contains(fc.FieldDescription, "plan"))
		case 2:
			from := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rnd.IntN(300*24)) * time.Hour)
			q.Conditions = append(q.Conditions, fc.TimeRange(q.OrderBy, from, from.AddDate(0, 1, 0)))
			if q.OrderBy == fc.FieldID || q.OrderBy == fc.FieldCoworkerFullName || q.OrderBy == fc.FieldDescription ||
				q.OrderBy == fc.FieldBusinessID || q.OrderBy == fc.FieldIsNew {
				q.Conditions[len(q.Conditions)-1].Field = fc.FieldCreatedOn
			}
		}
		q.Page = 1
		total := storetest.Search(want, q).TotalItems
		pages := (total + int64(q.Size) - 1) / int64(q.Size)
		switch rnd.IntN(4) {
		case 0:
			q.Page = max(1, pages)
		case 1:
			q.Page = pages + 1
		case 2:
			q.Page = 1 + rnd.Int64N(max(1, pages))
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

// TestMergedPagePlans: a manager's default search over several locations
// and a location filter ordered by CreatedOn or Id walk an index per
// location in order (a MERGE of the arms) instead of sorting every record
// of the locations, and a page past the middle is read in the mirror
// order from the end.
func TestMergedPagePlans(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	tests := []struct {
		q     fc.Query
		total int64
		want  []string
		desc  bool // the statement's order
	}{
		{fc.Query{Scope: fc.BusinessScope(1002, 1003), OrderBy: fc.FieldCreatedOn, Descending: true, Page: 1, Size: 25}, 1000,
			[]string{"MERGE (UNION ALL)", "USING COVERING INDEX failed_checkins_business_created (business_id=?)"}, true},
		{fc.Query{Scope: fc.BusinessScope(1002, 1003), OrderBy: fc.FieldCreatedOn, Descending: true, Page: 39, Size: 25}, 1000,
			[]string{"MERGE (UNION ALL)", "USING COVERING INDEX failed_checkins_business_created (business_id=?)"}, false},
		{fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1002)}, OrderBy: fc.FieldCreatedOn, Descending: true, Page: 1, Size: 25}, 1000,
			[]string{"USING INDEX failed_checkins_business_created (business_id=?)"}, true},
		{fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1002)}, OrderBy: fc.FieldID, Page: 2, Size: 25}, 1000,
			[]string{"USING INDEX failed_checkins_business (business_id=?)"}, false},
		{fc.Query{Scope: fc.BusinessScope(1, 2, 3, 4, 5), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 2, 3, 4)}, OrderBy: fc.FieldID, Descending: true, Page: 1, Size: 25}, 1000,
			[]string{"MERGE (UNION ALL)", "USING COVERING INDEX failed_checkins_business (business_id=?)"}, true},
	}
	for _, tt := range tests {
		tx, err := db.reader.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		run := sqlstore.RunIntsOf(&sqlTx{tx: tx, prepared: func(string) *sql.Stmt { return nil }})
		st, err := sqlstore.PlanPage(ctx, sqlstore.SQLite(), run, tt.q, tt.total)
		if err != nil {
			t.Fatal(err)
		}
		got := wantPlan(t, tx, st.Statement, tt.want)
		// The only sort allowed is that of the page's own records, after
		// the join; the walk itself must not sort.
		if n := strings.Count(got, "TEMP B-TREE"); n > 1 || (n == 1 && !strings.Contains(st.SQL, " JOIN ")) {
			t.Errorf("plan of %q = %q; want no sort of the matches", st.SQL, got)
		}
		if desc := strings.Contains(st.SQL, " DESC"); desc != tt.desc || st.Reversed != (tt.desc != tt.q.Descending) {
			t.Errorf("page %d of %d reads %q (reversed %v); want descending %v", tt.q.Page, tt.total, st.SQL, st.Reversed, tt.desc)
		}
		tx.Rollback()
	}
}
