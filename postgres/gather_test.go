package postgres

import (
	"context"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestGatheredPagePlan: the page of a manager's one day ordered by
// CreatedOn (few matches, bunched in one stretch of the order: issue 17's
// r146 walked 930,000 entries of failed_checkins_created for 286) is
// planned to gather the matches and sort them whatever PostgreSQL
// estimates. The session disables sorting, which makes any walk of the
// order's index look cheaper than a sort (as an estimate of many matches
// spread over the order would): the plain statement then walks
// failed_checkins_created, the gathered one still sorts the matches. The answer is the reference search's.
func TestGatheredPagePlan(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range storetest.Sample(t) {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	r := sample[len(sample)/2]
	day := r.CheckinAttemptTime.UTC().Truncate(24 * time.Hour)
	q := fc.Query{Scope: fc.BusinessScope(r.BusinessID, r.BusinessID+1),
		Conditions: []fc.Condition{fc.TimeRange(fc.FieldCheckinAttemptTime, day, day.AddDate(0, 0, 1))},
		OrderBy:    fc.FieldCreatedOn, Page: 1, Size: 1}
	want := storetest.Search(sample, q)
	if want.TotalItems == 0 || 2*want.TotalItems > int64(len(sample)) {
		t.Fatalf("the sample's day holds %d of %d records: want a few", want.TotalItems, len(sample))
	}
	err := db.read(ctx, func(tx sqlstore.Tx) error {
		run := sqlstore.RunIntsOf(tx)
		total, err := sqlstore.CountMatching(ctx, dialect, run, q)
		if err != nil {
			return err
		}
		st, err := sqlstore.PlanPage(ctx, dialect, run, q, total)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL enable_sort = off"); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "EXPLAIN (COSTS OFF) "+st.SQL, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			plan = append(plan, line)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "Sort") || strings.Contains(text, "failed_checkins_created") {
			t.Errorf("plan of %s:\n%s\nwant a sort of the gathered matches, no walk of failed_checkins_created", st.SQL, text)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.FindFailedCheckins(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if got.TotalItems != want.TotalItems || len(got.Records) != 1 || got.Records[0].ID != want.Records[0].ID {
		t.Errorf("FindFailedCheckins(%+v) = %d, %v; want %d, %v", q, got.TotalItems, got.Records, want.TotalItems, want.Records)
	}
}
