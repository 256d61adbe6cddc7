package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestGatherFewMatches: on PostgreSQL (Dialect.GatherFew) the page of a
// search whose walk would read more than gathering its matches (few
// matches for the walk, or a range on another time than its time-like
// order) is written to gather the matches and sort them (a subquery with
// OFFSET 0); pages a walk serves (no condition to test, a range on the
// order itself, a location in an order with an index per location, many
// matches, conditions no index serves, so that gathering scans) keep the
// plain statement, and SQLite never gathers (its hints choose). The counts come from a fake RunInts:
// 1,000,000 records in all, locations as each case says.
func TestGatherFewMatches(t *testing.T) {
	const all = 1_000_000
	day := time.Date(2026, 9, 21, 0, 0, 0, 0, time.UTC)
	oneDay := fc.TimeRange(fc.FieldCheckinAttemptTime, day, day.AddDate(0, 0, 1))
	substring := fc.Condition{Field: fc.FieldDescription, Match: fc.MatchContains, Strings: []string{"plan"}}
	name := fc.Condition{Field: fc.FieldCoworkerFullName, Match: fc.MatchContains, Strings: []string{"smith"}}
	tariff := fc.Condition{Field: fc.FieldTariff, Match: fc.MatchContains, Strings: []string{"desk annua"}}
	teams := fc.Condition{Field: fc.FieldTeams, Match: fc.MatchContains, Strings: []string{"t ga"}}
	admin := func(order fc.Field, page int64, conds ...fc.Condition) fc.Query {
		return fc.Query{Scope: fc.AllBusinesses(), Conditions: conds, OrderBy: order, Page: page, Size: 25}
	}
	manager := func(order fc.Field, conds ...fc.Condition) fc.Query {
		q := admin(order, 1, conds...)
		q.Scope = fc.BusinessScope(1002, 1005, 1020, 1038, 1174)
		return q
	}
	tests := []struct {
		name       string
		q          fc.Query
		total      int64 // matches
		locations  int64 // the locations' records
		wantGather bool  // on PostgreSQL
	}{
		{"a manager's day by CreatedOn (r146)", manager(fc.FieldCreatedOn, oneDay), 286, 160_000, true},
		{"the same by CheckinAttemptTime (the range on the order)", manager(fc.FieldCheckinAttemptTime, oneDay), 286, 160_000, false},
		{"a range on another time, a sixth of the records (r079)", admin(fc.FieldCreatedOn, 1, fc.TimeRange(fc.FieldUpdatedOn, day.AddDate(-1, 0, 0), day.AddDate(0, -9, 0))), 168_637, 0, true},
		{"a range on another time, most records", admin(fc.FieldCreatedOn, 1, fc.TimeRange(fc.FieldUpdatedOn, day.AddDate(-2, 0, 0), time.Time{})), 600_000, 0, false},
		{"a substring of few records by Teams", admin(fc.FieldTeams, 1, substring), 11, 0, true},
		{"a substring of many records by Teams", admin(fc.FieldTeams, 1, substring), 200_000, 0, false},
		{"a deep page of a name substring by Teams", admin(fc.FieldTeams, 2000, name), 100_000, 0, true},
		{"a deep page of a name substring by Teams, near the balance (r036)", admin(fc.FieldTeams, 2000, name), 200_000, 0, false},
		{"a deep page of a description substring by Teams (a scan to gather)", admin(fc.FieldTeams, 2000, substring), 200_000, 0, false},
		{"everything by Teams, a deep page", admin(fc.FieldTeams, 2000), all, 0, false},
		{"a manager alone by Description", manager(fc.FieldDescription), 160_000, 160_000, false},
		{"a manager alone by CreatedOn", manager(fc.FieldCreatedOn), 160_000, 160_000, false},
		{"a local range by UpdatedBy, a middle page (r088)", admin(fc.FieldUpdatedBy, 1341, fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, day.AddDate(0, -2, 0), day.AddDate(0, -1, 0))), 56_821, 0, false},
		{"a manager's name substring by CreatedOn, few", manager(fc.FieldCreatedOn, name), 300, 160_000, true},
		{"a manager's name substring by CreatedOn, many", manager(fc.FieldCreatedOn, name), 30_000, 160_000, false},
		{"a tariff substring, 1,000 by IsNew (r080: a scan to gather)", func() fc.Query { q := admin(fc.FieldIsNew, 1, tariff); q.Size = 1000; return q }(), 28_996, 0, false},
		{"a manager's teams substring by UpdatedOn (r043: the locations to gather)", manager(fc.FieldUpdatedOn, teams), 531, 160_000, false},
	}
	for _, tt := range tests {
		for _, store := range []struct {
			name    string
			d       Dialect
			gathers bool
		}{{"PostgreSQL", PostgreSQL(), true}, {"SQLite", SQLite(), false}} {
			d := store.d
			run := func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
				v := int64(all)
				if strings.Contains(st.SQL, "WHERE") {
					v = tt.locations
				}
				if width == 1 { // a count; a seek's days (width 2) have no rows here
					row([]int64{v})
				}
				return nil
			}
			st, err := PlanPage(context.Background(), d, run, tt.q, tt.total)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.wantGather && store.gathers
			if gathered := strings.Contains(st.SQL, "OFFSET 0) AS m"); gathered != want {
				t.Errorf("%s, %s: gathered %v; want %v (%s)", tt.name, store.name, gathered, want, st.SQL)
			}
		}
	}
}
