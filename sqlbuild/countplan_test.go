package sqlbuild

import (
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestPlanCount pins which rollup counts each bench shape and how a time
// range splits into whole days (summed) and partial days (counted from
// records).
func TestPlanCount(t *testing.T) {
	at := fc.FieldCheckinAttemptTime
	day := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	all := fc.AllBusinesses()
	tests := []struct {
		name string
		q    fc.Query
		want []string // each statement as "SQL args"
	}{{
		name: "everything: the smallest rollup",
		q:    fc.Query{Scope: all},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_business []"},
	}, {
		name: "name substring, no scope",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "Smith")}},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_name WHERE instr(coworker_full_name_fold, ?) > 0 [smith]"},
	}, {
		name: "name substring within a scope",
		q:    fc.Query{Scope: fc.BusinessScope(7), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "smith")}},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_business_name WHERE business_id IN (?) AND instr(coworker_full_name_fold, ?) > 0 [7 smith]"},
	}, {
		name: "aligned open range: whole days only",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001), fc.TimeRange(at, day, time.Time{})}},
		want: []string{fmt.Sprintf("SELECT coalesce(sum(n), 0) FROM fc_count_business_day WHERE business_id IN (?) AND day >= ? [1001 %d]", day.Unix()/86400)},
	}, {
		name: "unaligned range: whole days plus both edges from records",
		q: fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldSource, 2), fc.In(fc.FieldBusinessID, 1),
			fc.TimeRange(at, day.Add(time.Hour), day.Add(72*time.Hour+500*time.Millisecond))}},
		want: []string{
			fmt.Sprintf("SELECT coalesce(sum(n), 0) FROM fc_count_business_day_source_description WHERE source IN (?) AND business_id IN (?) AND day >= ? AND day < ? [2 1 %d %d]", day.Unix()/86400+1, day.Unix()/86400+3),
			fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE source IN (?) AND business_id IN (?) AND (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [2 1 %d %d]", day.Unix()+3600, day.Unix()+86400),
			fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE source IN (?) AND business_id IN (?) AND (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [2 1 %d %d]", day.Unix()+3*86400, day.Unix()+3*86400+1),
		},
	}, {
		name: "range within one day: records only",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.TimeRange(at, day.Add(time.Hour), day.Add(2*time.Hour))}},
		want: []string{fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [%d %d]", day.Unix()+3600, day.Unix()+7200)},
	}, {
		name: "a field no rollup has: plain count",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldCoworkerID, 5)}},
		want: []string{"SELECT count(*) FROM failed_checkins WHERE coworker_id IN (?) [5]"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanCount(SQLite(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var g []string
			for _, s := range got {
				g = append(g, fmt.Sprint(s.SQL, " ", s.Args))
			}
			if strings.Join(g, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("PlanCount =\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestDayOf: days round down before 1970 too.
func TestDayOf(t *testing.T) {
	for _, tt := range []struct{ unix, want int64 }{{0, 0}, {86399, 0}, {86400, 1}, {-1, -1}, {-86400, -1}, {-86401, -2}} {
		if got := DayOf(tt.unix); got != tt.want {
			t.Errorf("DayOf(%d) = %d; want %d", tt.unix, got, tt.want)
		}
	}
}

// TestRollupFieldsHaveValues: every rollup field is an integer or a text
// that RollupCounts knows how to read, so no count is silently keyed by "".
func TestRollupFieldsHaveValues(t *testing.T) {
	r := &fc.FailedCheckin{BusinessID: 1, Source: 2, BusinessName: "b", CoworkerFullName: "c", Teams: "t", Tariff: "f", Description: "d"}
	for _, ru := range Rollups {
		for _, f := range ru.Fields {
			if _, ok := intField(r, f); !ok && textField(r, f) == "" {
				t.Errorf("%s: field %s has no value in RollupCounts", ru.Name, f)
			}
		}
	}
}

// TestImpliedBusinesses: a business-name filter reads the ids it implies
// from the per-business rollup, within the scope; a query without one
// needs nothing.
func TestImpliedBusinesses(t *testing.T) {
	q := fc.Query{Scope: fc.BusinessScope(3, 4), Conditions: []fc.Condition{fc.In(fc.FieldSource, 1), fc.Contains(fc.FieldBusinessName, "Seoul")}}
	st, ok, err := ImpliedBusinesses(SQLite(), q)
	want := "SELECT DISTINCT business_id FROM fc_count_business WHERE business_id IN (?, ?) AND instr(business_name_fold, ?) > 0 [3 4 seoul]"
	if got := fmt.Sprint(st.SQL, " ", st.Args); !ok || err != nil || got != want {
		t.Errorf("ImpliedBusinesses = %q, %t, %v; want %q", got, ok, err, want)
	}
	if _, ok, _ := ImpliedBusinesses(SQLite(), fc.Query{Scope: fc.AllBusinesses()}); ok {
		t.Error("ImpliedBusinesses without a name filter = true; want false")
	}
}
