package sqlite

import (
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
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
