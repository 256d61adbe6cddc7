package sqlite

import (
	"context"
	"os"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// BenchmarkScopedSearches times, in process, the searches of issue 17
// against the database file named by FAILEDCHECKINS_BENCH_DB (a copy of a
// 1M-record database: it is migrated first), each next to a get-one by
// id, whose time is the unit of the targets: a location
// manager's default search (their locations, CreatedOn descending) on
// the first, middle and last page, and an administrator's location
// filter ordered by CreatedOn and by Id. Skipped when the variable is
// unset.
func BenchmarkScopedSearches(b *testing.B) {
	path := os.Getenv("FAILEDCHECKINS_BENCH_DB")
	if path == "" {
		b.Skip("FAILEDCHECKINS_BENCH_DB is not set")
	}
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	b.Run("q5-get-one", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 500_000); err != nil {
				b.Fatal(err)
			}
		}
	})
	byBusiness := func(ids ...int64) []fc.Condition { return []fc.Condition{fc.In(fc.FieldBusinessID, ids...)} }
	shapes := []struct {
		name  string
		q     fc.Query
		pages bool // first, middle and last page
	}{
		{"one-location-by-time", fc.Query{Scope: fc.BusinessScope(1002), OrderBy: fc.FieldCheckinAttemptTime, Descending: true}, false},
		{"q7-manager-2", fc.Query{Scope: fc.BusinessScope(1002, 1003), OrderBy: fc.FieldCreatedOn, Descending: true}, true},
		{"q7-manager-5", fc.Query{Scope: fc.BusinessScope(1001, 1002, 1003, 1004, 1005), OrderBy: fc.FieldCreatedOn, Descending: true}, true},
		{"q7-manager-small", fc.Query{Scope: fc.BusinessScope(1190, 1195, 1200), OrderBy: fc.FieldCreatedOn, Descending: true}, true},
		{"manager-2-by-time", fc.Query{Scope: fc.BusinessScope(1002, 1003), OrderBy: fc.FieldCheckinAttemptTime, Descending: true}, false},
		{"filter-1002-created", fc.Query{Scope: fc.AllBusinesses(), Conditions: byBusiness(1002), OrderBy: fc.FieldCreatedOn, Descending: true}, true},
		{"filter-1002-id", fc.Query{Scope: fc.AllBusinesses(), Conditions: byBusiness(1002), OrderBy: fc.FieldID}, true},
		{"filter-3-id-desc", fc.Query{Scope: fc.AllBusinesses(), Conditions: byBusiness(1002, 1010, 1100), OrderBy: fc.FieldID, Descending: true}, true},
		{"manager-2-by-name", fc.Query{Scope: fc.BusinessScope(1002, 1003), OrderBy: fc.FieldCoworkerFullName}, true},
	}
	for _, s := range shapes {
		q := s.q
		q.Size, q.Page = 25, 1
		first, err := db.FindFailedCheckins(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		last := (first.TotalItems + 24) / 25
		pages := map[string]int64{"first": 1}
		if s.pages {
			pages["middle"], pages["last"] = last/2, last
		}
		for name, page := range pages {
			q.Page = page
			b.Run(s.name+"-"+name, func(b *testing.B) {
				for b.Loop() {
					if _, err := db.FindFailedCheckins(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
