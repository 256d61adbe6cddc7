package sqlstore

import (
	"fmt"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestCheckinsCoverEveryField: every Checkin field reaches SQL, and a
// FailedCheckin-only field does not.
func TestCheckinsCoverEveryField(t *testing.T) {
	for _, f := range fc.CheckinFields {
		if _, ok := Checkins.columns[f]; !ok {
			t.Errorf("Checkins.columns[%q] is missing", f)
		}
	}
	if _, err := Checkins.BuildFind(SQLite(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldDescription}); fc.ErrorCode(err) != fc.ErrInvalid {
		t.Errorf("Checkins.BuildFind(orderBy Description) error = %v; want ErrInvalid", err)
	}
}

// TestCheckinsBuildFind pins the SQL of the Checkin table: the same rules
// as FailedCheckins, another table, a nullable time sorted like a nullable
// integer.
func TestCheckinsBuildFind(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	q := fc.Query{Scope: fc.BusinessScope(7), Conditions: []fc.Condition{
		fc.TimeRange(fc.FieldFromTime, from, time.Time{}), fc.Contains(fc.FieldTeams, "atlas"),
	}, OrderBy: fc.FieldToTime, Descending: true}
	got, err := Checkins.BuildFind(PostgreSQL(), q)
	if err != nil {
		t.Fatal(err)
	}
	where := " WHERE business_id IN ($1) AND from_time >= $2 AND teams_fold LIKE $3"
	if want := "SELECT count(*) FROM checkins" + where; got.Count != want {
		t.Errorf("Count = %q; want %q", got.Count, want)
	}
	if want := "SELECT " + CheckinColumns + " FROM checkins" + where + " ORDER BY to_time DESC NULLS LAST, id DESC LIMIT $4 OFFSET $5"; got.Page != want {
		t.Errorf("Page = %q; want %q", got.Page, want)
	}
	if g, w := fmt.Sprint(got.Args), fmt.Sprint([]any{int64(7), from, "%atlas%"}); g != w {
		t.Errorf("Args = %s; want %s", g, w)
	}
}
