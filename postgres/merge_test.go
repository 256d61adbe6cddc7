package postgres

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMergedPages compares with the reference search the pages of
// searches over a few locations (a manager's scope, a BusinessId filter,
// both), which PostgreSQL reads as a Merge Append of one bounded,
// ordered subquery per location (Dialect.BoundedArms), in every order
// with an index per location and one without, both directions, first,
// middle (mirrored past the half), last and past-the-end pages, with and
// without conditions the walk must test.
func TestMergedPages(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	sample := storetest.Sample(t)
	if _, err := db.CreateFailedCheckins(ctx, func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range sample {
			if !yield(r, nil) {
				return
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := storetest.Sample(t)
	rnd := rand.New(rand.NewPCG(17, 17))
	locations := func(n int) []int64 {
		var ids []int64
		for range n {
			ids = append(ids, want[rnd.IntN(len(want))].BusinessID)
		}
		return ids
	}
	orders := []fc.Field{fc.FieldCreatedOn, fc.FieldID, fc.FieldCheckinAttemptTime, fc.FieldCoworkerFullName,
		fc.FieldBusinessID, fc.FieldIsNew, fc.FieldDescription}
	for i := range 200 {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: orders[rnd.IntN(len(orders))], Descending: rnd.IntN(2) == 0,
			Size: []int{1, 7, 25, 100}[rnd.IntN(4)]}
		switch rnd.IntN(3) {
		case 0:
			q.Scope = fc.BusinessScope(append(locations(2+rnd.IntN(4)), 999999)...)
		case 1:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, locations(2+rnd.IntN(3))...))
		default:
			both := locations(3)
			q.Scope = fc.BusinessScope(append(both, locations(2)...)...)
			q.Conditions = append(q.Conditions, fc.In(fc.FieldBusinessID, append(both, locations(1)...)...))
		}
		switch rnd.IntN(4) {
		case 0:
			q.Conditions = append(q.Conditions, fc.In(fc.FieldSource, 1, 2))
		case 1:
			r := want[rnd.IntN(len(want))]
			q.Conditions = append(q.Conditions, fc.TimeRange(fc.FieldCreatedOn, r.CreatedOn.AddDate(0, -3, 0), r.CreatedOn.Add(time.Hour)))
		}
		total := storetest.Search(want, q).TotalItems
		pages := (total + int64(q.Size) - 1) / int64(q.Size)
		q.Page = []int64{1, max(1, pages), pages + 1, 1 + rnd.Int64N(max(1, pages))}[rnd.IntN(4)]
		got, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if g, w := pageIDs(got), pageIDs(storetest.Search(want, q)); g != w {
			t.Fatalf("query %d (%+v) = %s; want %s", i, q, g, w)
		}
	}
}
