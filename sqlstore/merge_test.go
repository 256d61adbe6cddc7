package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestPlainOrMergedPage: on PostgreSQL (Dialect.PlainWalk) a shallow page
// of locations that hold a large share of the records is read by the
// plain statement, whose plan walks a whole-table index and costs less
// to plan than the merge; deep pages, small locations, orders without a
// whole-table index and searches with other conditions are merged as
// before. SQLite (PlainWalk 0) merges them all and never reads the
// table's size. The counts come from a fake RunInts: 1,000,000 records in
// all, and the locations' share as each case says.
func TestPlainOrMergedPage(t *testing.T) {
	const all = 1_000_000
	manager := fc.Query{Scope: fc.BusinessScope(1001, 1002), OrderBy: fc.FieldCreatedOn, Descending: true, Size: 25}
	with := func(q fc.Query, f func(*fc.Query)) fc.Query { f(&q); return q }
	tests := []struct {
		name      string
		q         fc.Query
		total     int64 // the locations' records (matches)
		wantMerge bool  // on PostgreSQL
	}{
		{"q7 page 1", with(manager, func(q *fc.Query) { q.Page = 1 }), 255_347, false},
		{"q7 page 10", with(manager, func(q *fc.Query) { q.Page = 10 }), 255_347, false},
		{"q7 page 11", with(manager, func(q *fc.Query) { q.Page = 11 }), 255_347, true},
		{"q7 page 1000", with(manager, func(q *fc.Query) { q.Page = 1000 }), 255_347, true},
		{"q7a page 1", fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001, 1002)},
			OrderBy: fc.FieldCreatedOn, Descending: true, Page: 1, Size: 25}, 255_347, false},
		{"Id order page 1", with(manager, func(q *fc.Query) { q.OrderBy, q.Page = fc.FieldID, 1 }), 255_347, false},
		{"small locations page 1", with(manager, func(q *fc.Query) { q.Page = 1 }), 2_568, true},
		{"order without a whole-table index", with(manager, func(q *fc.Query) { q.OrderBy, q.Page = fc.FieldIsNew, 1 }), 255_347, true},
		{"range on the order", with(manager, func(q *fc.Query) {
			q.Page = 1
			q.Conditions = []fc.Condition{fc.TimeRange(fc.FieldCreatedOn, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})}
		}), 255_347, true},
	}
	for _, tt := range tests {
		for _, store := range []struct {
			d      Dialect
			always bool // merges every such page
		}{{PostgreSQL(), false}, {SQLite(), true}} {
			d := store.d
			askedAll := false
			run := func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
				v := int64(all)
				if strings.Contains(st.SQL, "WHERE") {
					v = tt.total
				} else {
					askedAll = true
				}
				row([]int64{v})
				return nil
			}
			st, err := PlanPage(context.Background(), d, run, tt.q, tt.total)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantMerge || store.always
			if merged := strings.Contains(st.SQL, "UNION ALL"); merged != want {
				t.Errorf("%s, PlainWalk %d: merged %v; want %v (%s)", tt.name, d.PlainWalk, merged, want, st.SQL)
			}
			if askedAll && store.always {
				t.Errorf("%s: SQLite read the table's size", tt.name)
			}
		}
	}
}
