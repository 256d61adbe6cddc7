package sqlstore

import (
	"fmt"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestColumnsCoverEveryField: the whitelist knows every field of the
// record, so every API sort field reaches SQL.
func TestColumnsCoverEveryField(t *testing.T) {
	for _, f := range fc.FailedCheckinFields {
		if _, ok := columns(f); !ok {
			t.Errorf("columns(%q) is missing", f)
		}
	}
}

// TestBuildFindPostgreSQL pins the PostgreSQL dialect: numbered
// placeholders (LIMIT and OFFSET after the filter arguments), an escaped
// LIKE pattern, explicit NULL order and time.Time arguments. The SQLite
// dialect is pinned by package sqlite's tests.
func TestBuildFindPostgreSQL(t *testing.T) {
	from := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		q         fc.Query
		wantWhere string
		wantOrder string
		wantLimit string
		wantArgs  []any
	}{{
		name: "q1 recent at one location",
		q: fc.Query{Scope: fc.BusinessScope(1001), Conditions: []fc.Condition{fc.TimeRange(fc.FieldCheckinAttemptTime, from, time.Time{})},
			OrderBy: fc.FieldCheckinAttemptTime, Descending: true},
		wantWhere: " WHERE business_id IN ($1) AND checkin_attempt_time >= $2",
		wantOrder: " ORDER BY checkin_attempt_time DESC, id DESC",
		wantLimit: " LIMIT $3 OFFSET $4",
		wantArgs:  []any{int64(1001), from},
	}, {
		name: "wildcards escaped, null text excluded from substring",
		q: fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{
			fc.Contains(fc.FieldCoworkerFullName, `SMITH%_\`), fc.Contains(fc.FieldReason, "x"),
		}, OrderBy: fc.FieldCoworkerID},
		wantWhere: " WHERE coworker_full_name_fold LIKE $1 AND (reason IS NOT NULL AND reason_fold LIKE $2)",
		wantOrder: " ORDER BY coworker_id ASC NULLS FIRST, id ASC",
		wantLimit: " LIMIT $3 OFFSET $4",
		wantArgs:  []any{`%smith\%\_\\%`, "%x%"},
	}, {
		name:      "nullable integer descending puts null last",
		q:         fc.Query{Scope: fc.BusinessScope(2, 1), OrderBy: fc.FieldCoworkerID, Descending: true},
		wantWhere: " WHERE business_id IN ($1, $2)",
		wantOrder: " ORDER BY coworker_id DESC NULLS LAST, id DESC",
		wantLimit: " LIMIT $3 OFFSET $4",
		wantArgs:  []any{int64(1), int64(2)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := BuildFind(PostgreSQL(), tt.q)
			if err != nil {
				t.Fatalf("BuildFind error: %v", err)
			}
			if want := "SELECT count(*) FROM failed_checkins" + tt.wantWhere; got.Count != want {
				t.Errorf("BuildFind count = %q; want %q", got.Count, want)
			}
			if want := "SELECT " + SelectColumns + " FROM failed_checkins" + tt.wantWhere + tt.wantOrder + tt.wantLimit; got.Page != want {
				t.Errorf("BuildFind page = %q; want %q", got.Page, want)
			}
			if g, w := fmt.Sprint(got.Args), fmt.Sprint(tt.wantArgs); g != w {
				t.Errorf("BuildFind args = %s; want %s", g, w)
			}
		})
	}
}

// TestEmptyAlternatives: a filter with no value matches nothing and an
// open time range everything, in keywords both databases know.
func TestEmptyAlternatives(t *testing.T) {
	for _, d := range []Dialect{SQLite(), PostgreSQL()} {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Conditions: []fc.Condition{
			{Field: fc.FieldDescription, Match: fc.MatchExact},
			{Field: fc.FieldCoworkerID, Match: fc.MatchInts},
			{Field: fc.FieldCreatedOn, Match: fc.MatchTimeRange},
		}}
		w, args, err := BuildWhere(d, q)
		if want := " WHERE FALSE AND FALSE AND TRUE"; w != want || len(args) != 0 || err != nil {
			t.Errorf("BuildWhere(%+v) = %q, %v, %v; want %q, no args, nil", d, w, args, err, want)
		}
	}
}
