package postgres

import (
	"context"
	"os"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// benchShapes are the six query shapes of bench/README.md, as the API
// passes them to the store (count and page of 25, newest first).
func benchShapes() []struct {
	name string
	q    fc.Query
	want int64 // TotalItems on datagen -rows 1000000 -seed 1
} {
	at := fc.FieldCheckinAttemptTime
	one := fc.BusinessScope(1001)
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	q := func(scope fc.Scope, order fc.Field, page int64, conds ...fc.Condition) fc.Query {
		return fc.Query{Scope: scope, Conditions: conds, OrderBy: order, Descending: true, Page: page, Size: 25}
	}
	return []struct {
		name string
		q    fc.Query
		want int64
	}{
		{"q1-recent", q(one, at, 1, fc.TimeRange(at, day("2026-10-02"), time.Time{})), 8323},
		{"q2-name", q(fc.AllBusinesses(), at, 1, fc.Contains(fc.FieldCoworkerFullName, "smith")), 27860},
		{"q3-combined", q(one, at, 1, fc.In(fc.FieldSource, 2), fc.Contains(fc.FieldDescription, "plan"),
			fc.TimeRange(at, day("2026-08-03"), time.Time{})), 3795},
		{"q4-deep", q(one, at, 2000), 169959},
		{"q6-everything", q(fc.AllBusinesses(), fc.FieldCreatedOn, 1), 1000000},
	}
}

// BenchmarkSearch1M times the six shapes through the store on the database
// named by FAILEDCHECKINS_BENCH_POSTGRES, which must hold datagen's
// 1,000,000 rows (seed 1) imported with `failedcheckins import`. It checks
// each total against bench/README.md, so a wrong plan cannot look fast.
func BenchmarkSearch1M(b *testing.B) {
	dsn := os.Getenv("FAILEDCHECKINS_BENCH_POSTGRES")
	if dsn == "" {
		b.Skip("set FAILEDCHECKINS_BENCH_POSTGRES=postgres://... to a database holding datagen -rows 1000000 -seed 1")
	}
	ctx := context.Background()
	db, err := Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, s := range benchShapes() {
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				page, err := db.FindFailedCheckins(ctx, s.q)
				if err != nil || page.TotalItems != s.want || len(page.Records) != 25 {
					b.Fatalf("FindFailedCheckins = %v, %v; want %d items and a full page", page, err, s.want)
				}
			}
		})
	}
	b.Run("q5-get-one", func(b *testing.B) {
		for b.Loop() {
			if r, err := db.FindFailedCheckinByID(ctx, fc.AllBusinesses(), 500000); err != nil || r.ID != 500000 {
				b.Fatalf("FindFailedCheckinByID(500000) = %v, %v", r, err)
			}
		}
	})
}
