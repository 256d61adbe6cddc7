package sqlstore

import (
	"context"
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
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_business_name WHERE business_id IN (?) AND coworker_full_name IN (SELECT coworker_full_name FROM fc_count_name WHERE instr(coworker_full_name_fold, ?) > 0) [7 smith]"},
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
			fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE +source IN (?) AND business_id IN (?) AND (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [2 1 %d %d]", day.Unix()+3600, day.Unix()+86400),
			fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE +source IN (?) AND business_id IN (?) AND (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [2 1 %d %d]", day.Unix()+3*86400, day.Unix()+3*86400+1),
		},
	}, {
		// No rollup keeps resolutions: a rollup that took Resolved for
		// covered would count resolved and unresolved records alike.
		name: "resolved, with fields a rollup keeps: records only",
		q: fc.Query{Scope: fc.BusinessScope(7), Conditions: []fc.Condition{fc.Resolved(true), fc.In(fc.FieldSource, 2),
			fc.TimeRange(at, day, day.Add(72*time.Hour))}},
		want: []string{fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE business_id IN (?) AND +resolved_by_checkin_id IS NOT NULL AND +source IN (?) AND "+
			"(checkin_attempt_time >= ? AND checkin_attempt_time < ?) [7 2 %d %d]", day.Unix(), day.Unix()+3*86400)},
	}, {
		name: "not resolved: records only",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.Resolved(false)}},
		want: []string{"SELECT count(*) FROM failed_checkins WHERE +resolved_by_checkin_id IS NULL []"},
	}, {
		name: "range within one day: records only",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.TimeRange(at, day.Add(time.Hour), day.Add(2*time.Hour))}},
		want: []string{fmt.Sprintf("SELECT count(*) FROM failed_checkins WHERE (checkin_attempt_time >= ? AND checkin_attempt_time < ?) [%d %d]", day.Unix()+3600, day.Unix()+7200)},
	}, {
		name: "description substring on a day rollup: its values from the dictionary",
		q: fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldBusinessID, 1001), fc.In(fc.FieldSource, 2),
			fc.Contains(fc.FieldDescription, "Plan"), fc.TimeRange(at, day, time.Time{})}},
		want: []string{fmt.Sprintf("SELECT coalesce(sum(n), 0) FROM fc_count_business_day_source_description WHERE business_id IN (?) AND source IN (?) AND "+
			"description IN (SELECT description FROM fc_count_description WHERE instr(description_fold, ?) > 0) AND day >= ? [1001 2 plan %d]", day.Unix()/86400)},
	}, {
		name: "description substring alone: the dictionary itself",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.Contains(fc.FieldDescription, "plan")}},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_description WHERE instr(description_fold, ?) > 0 [plan]"},
	}, {
		// Issue 17's r158 (1 s in a plain count at 1M records).
		name: "a tariff and a description: the rollup of the three value fields",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.Contains(fc.FieldTariff, "5-Day Pass"), fc.Contains(fc.FieldDescription, " allowed h")}},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_source_tariff_description WHERE tariff IN (SELECT tariff FROM fc_count_source_tariff WHERE instr(tariff_fold, ?) > 0) AND " +
			"description IN (SELECT description FROM fc_count_description WHERE instr(description_fold, ?) > 0) [5-day pass  allowed h]"},
	}, {
		name: "a Source list and a tariff: the smaller rollup of the two",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldSource, 0), fc.Contains(fc.FieldTariff, "office")}},
		want: []string{"SELECT coalesce(sum(n), 0) FROM fc_count_source_tariff WHERE source IN (?) AND instr(tariff_fold, ?) > 0 [0 office]"},
	}, {
		name: "a field no rollup has: plain count",
		q:    fc.Query{Scope: all, Conditions: []fc.Condition{fc.In(fc.FieldCoworkerID, 5)}},
		want: []string{"SELECT count(*) FROM failed_checkins WHERE coworker_id IN (?) [5]"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PlanCount(context.Background(), SQLite(), nil, tt.q)
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
	r := &fc.FailedCheckin{BusinessID: 1, Source: 2, BusinessName: "b", CoworkerFullName: "c", Teams: "t", Tariff: "f", Description: "d", MacAddresses: "m"}
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

// TestNeedleTrigrams: every three-byte piece of a short needle, at most
// maxTrigramsTried spread over a long one (both ends included), none
// twice, and none for fewer than three bytes.
func TestNeedleTrigrams(t *testing.T) {
	str := func(ts [][]byte) string {
		var out []string
		for _, t := range ts {
			out = append(out, string(t))
		}
		return strings.Join(out, "|")
	}
	for _, tt := range []struct{ needle, want string }{
		{"", ""}, {"ab", ""}, {"abc", "abc"}, {"smith", "smi|mit|ith"}, {"aaaa", "aaa"},
		{"abcdefghijklmnop", "abc|bcd|def|fgh|hij|jkl|lmn|nop"},
		{"zoë", "zo\xc3|o\xc3\xab"},
	} {
		want := tt.want
		if got := str(needleTrigrams(tt.needle, 3)); got != want {
			t.Errorf("needleTrigrams(%q) = %q; want %q", tt.needle, got, want)
		}
	}
}

// TestPickTrigrams: the count of a name substring reads only the names
// under the needle's rarest trigram, and scans every name when each of
// its trigrams lists maxTrigramValues names or more (or the needle is too
// short to have one).
func TestPickTrigrams(t *testing.T) {
	name := func(needle string) fc.Query {
		return fc.Query{Scope: fc.BusinessScope(7), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, needle)}}
	}
	counts := func(ns ...int64) RunInts {
		return func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
			if !strings.Contains(st.SQL, "fc_name_trigram") {
				row([]int64{5})
				return nil
			}
			if width != len(ns) {
				t.Fatalf("trigram counts: width %d for %d trigrams", width, len(ns))
			}
			row(ns)
			return nil
		}
	}
	ctx := context.Background()
	d, err := pickTrigrams(ctx, SQLite(), counts(212, 238, 120), name("SMITH"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := PlanCount(ctx, d, nil, name("SMITH"))
	want := "SELECT coalesce(sum(n), 0) FROM fc_count_business_name WHERE business_id IN (?) AND coworker_full_name IN (SELECT coworker_full_name FROM fc_count_name WHERE " +
		"coworker_full_name IN (SELECT coworker_full_name FROM fc_name_trigram WHERE trigram = ?) AND instr(coworker_full_name_fold, ?) > 0) [7 [105 116 104] smith]"
	if err != nil || len(got) != 1 || fmt.Sprint(got[0].SQL, " ", got[0].Args) != want {
		t.Errorf("PlanCount with picked trigrams = %v, %v; want %s", got, err, want)
	}
	for _, tt := range []struct {
		needle string
		run    RunInts
	}{{"smith", counts(maxTrigramValues, maxTrigramValues, maxTrigramValues)}, {"sm", counts()}} {
		d, err := pickTrigrams(ctx, SQLite(), tt.run, name(tt.needle))
		if err != nil || len(d.picked) != 0 {
			t.Errorf("pickTrigrams(%q) = %v, %v; want no pick", tt.needle, d.picked, err)
		}
	}
	if d, err := pickTrigrams(ctx, PostgreSQL(), nil, name("smith")); err != nil || len(d.picked) != 0 {
		t.Errorf("pickTrigrams on PostgreSQL = %v, %v; want no pick and no statement", d.picked, err)
	}
}

// TestResolveMacLists: a MAC substring's lists are listed once, through
// its rarest four-byte piece, and the count seeks them by id; when more
// than maxTrigramValues lists hold it the count tests the needle on the
// lists under the piece, as a name's; with no list, FALSE.
func TestResolveMacLists(t *testing.T) {
	q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldMacAddresses, "E0:4C")}}
	run := func(listed int) RunInts {
		return func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
			switch {
			case strings.HasPrefix(st.SQL, "SELECT (SELECT count(*) FROM (SELECT 1 FROM fc_mac_gram"):
				row([]int64{130, 90}[:width]) // e0:4, 0:4c
			case strings.HasPrefix(st.SQL, "SELECT id FROM fc_mac_list WHERE id IN (SELECT id FROM fc_mac_gram WHERE gram = ?) AND instr(mac_addresses_fold, ?) > 0 LIMIT ?"):
				if fmt.Sprint(st.Args) != "[[48 58 52 99] e0:4c 1001]" {
					t.Fatalf("listing args %v", st.Args)
				}
				for i := range listed {
					if !row([]int64{int64(100 - i)}) {
						break
					}
				}
			default:
				t.Fatalf("unexpected statement %s", st.SQL)
			}
			return nil
		}
	}
	ctx := context.Background()
	for _, tt := range []struct {
		listed int
		want   string
	}{
		{2, "SELECT coalesce(sum(n), 0) FROM fc_count_mac WHERE mac_addresses IN (SELECT mac_addresses FROM fc_mac_list WHERE id IN (?, ?)) [99 100]"},
		{0, "SELECT coalesce(sum(n), 0) FROM fc_count_mac WHERE FALSE []"},
		{maxTrigramValues + 5, "SELECT coalesce(sum(n), 0) FROM fc_count_mac WHERE mac_addresses IN (SELECT mac_addresses FROM fc_mac_list WHERE id IN " +
			"(SELECT id FROM fc_mac_gram WHERE gram = ?)) AND instr(mac_addresses_fold, ?) > 0 [[48 58 52 99] e0:4c]"},
	} {
		d, err := pickTrigrams(ctx, SQLite(), run(tt.listed), q)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PlanCount(ctx, d, nil, q)
		if err != nil || len(got) != 1 || fmt.Sprint(got[0].SQL, " ", got[0].Args) != tt.want {
			t.Errorf("%d lists: PlanCount = %v, %v; want %s", tt.listed, got, err, tt.want)
		}
	}
}

// TestRollupCountsOfDialect: counts for PostgreSQL leave out the zone maps'
// value counts it has no table for and the zone maps its triggers keep
// alone (no keys or bounds computed for a flush to drop); SQLite's keep
// them.
func TestRollupCountsOfDialect(t *testing.T) {
	r := &fc.FailedCheckin{ID: 7, BusinessID: 1, Source: 2, BusinessName: "b", CoworkerFullName: "c", Teams: "t", Tariff: "f", Description: "d", MacAddresses: "m"}
	for _, tt := range []struct {
		d    Dialect
		zone bool
	}{{PostgreSQL(), false}, {SQLite(), true}} {
		c := NewRollupCounts(tt.d)
		c.Add(r)
		flushed := map[*Rollup]bool{}
		if err := c.Flush(func(ru *Rollup, _ []any) error { flushed[ru] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		for _, ru := range Rollups {
			if want := (!ru.SQLiteOnly && !ru.TriggersOnly) || tt.zone; flushed[ru] != want {
				t.Errorf("RollupTrigger %v, %s: counted %v; want %v", tt.d.RollupTrigger, ru.Name, flushed[ru], want)
			}
		}
	}
}
