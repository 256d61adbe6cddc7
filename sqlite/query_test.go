package sqlite

import (
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestBuildFind pins the SQL the builder emits for a few queries: the
// whitelisted columns, the folded copies, the scope inside the query, and
// every value passed as an argument.
func TestBuildFind(t *testing.T) {
	from := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		q         fc.Query
		wantWhere string
		wantOrder string
		wantArgs  []any
	}{{
		name: "q1 recent at one location",
		q: fc.Query{Scope: fc.BusinessScope(1001), Conditions: []fc.Condition{fc.TimeRange(fc.FieldCheckinAttemptTime, from, time.Time{})},
			OrderBy: fc.FieldCheckinAttemptTime, Descending: true},
		wantWhere: " WHERE business_id IN (?) AND checkin_attempt_time >= ?",
		wantOrder: " ORDER BY checkin_attempt_time DESC, id DESC",
		wantArgs:  []any{int64(1001), from.Unix()},
	}, {
		name:      "substring on the folded copy, wildcards as data",
		q:         fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "SMITH%_")}, OrderBy: fc.FieldCoworkerFullName},
		wantWhere: " WHERE instr(coworker_full_name_fold, ?) > 0",
		wantOrder: " ORDER BY coworker_full_name_fold ASC, id ASC",
		wantArgs:  []any{"smith%_"},
	}, {
		name: "null variants and a sub-second range",
		q: fc.Query{Scope: fc.BusinessScope(3, 1), Conditions: []fc.Condition{
			{Field: fc.FieldUpdatedBy, Match: fc.MatchEqualFold, Strings: []string{"Ops@X"}, Null: true},
			{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Ints: []int64{7, 8}, Null: true},
			fc.TimeRange(fc.FieldCreatedOn, from.Add(time.Millisecond), from.Add(time.Second)),
		}, OrderBy: fc.FieldCoworkerID, Descending: true},
		wantWhere: " WHERE business_id IN (?, ?) AND ((+updated_by IS NOT NULL AND +updated_by_fold IN (?)) OR +updated_by IS NULL)" +
			" AND (coworker_id IN (?, ?) OR coworker_id IS NULL) AND (created_on >= ? AND created_on < ?)",
		wantOrder: " ORDER BY coworker_id DESC, id DESC",
		wantArgs:  []any{int64(1), int64(3), "ops@x", int64(7), int64(8), from.Unix() + 1, from.Unix() + 1},
	}, {
		name:      "everything by id",
		q:         fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID},
		wantWhere: "",
		wantOrder: " ORDER BY id ASC",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buildFind(tt.q)
			if err != nil {
				t.Fatalf("buildFind error: %v", err)
			}
			if want := "SELECT count(*) FROM failed_checkins" + tt.wantWhere; got.count != want {
				t.Errorf("buildFind count = %q; want %q", got.count, want)
			}
			if want := "SELECT " + selectColumns + " FROM failed_checkins" + tt.wantWhere + tt.wantOrder + " LIMIT ? OFFSET ?"; got.page != want {
				t.Errorf("buildFind page = %q; want %q", got.page, want)
			}
			if g, w := fmt.Sprint(got.args), fmt.Sprint(tt.wantArgs); g != w {
				t.Errorf("buildFind args = %s; want %s", g, w)
			}
		})
	}
}

// TestBuildFindRejects: unknown fields and unfit filters are client
// errors, and a field name never reaches the SQL text.
func TestBuildFindRejects(t *testing.T) {
	evil := fc.Field("Id; DROP TABLE failed_checkins")
	queries := []fc.Query{
		{Scope: fc.AllBusinesses(), OrderBy: evil},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Conditions: []fc.Condition{fc.In(evil, 1)}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Conditions: []fc.Condition{fc.Contains(fc.FieldBusinessID, "1")}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Conditions: []fc.Condition{fc.TimeRange(fc.FieldDescription, time.Now(), time.Time{})}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Conditions: []fc.Condition{{Field: fc.FieldID, Match: fc.Match(99)}}},
	}
	for _, q := range queries {
		got, err := buildFind(q)
		if fc.ErrorCode(err) != fc.ErrInvalid {
			t.Errorf("buildFind(%+v) = %q, %v; want an %s error", q, got.page, err, fc.ErrInvalid)
		}
		if strings.Contains(got.page, "DROP") {
			t.Errorf("buildFind(%+v) put the field name into SQL: %q", q, got.page)
		}
	}
}
