package sqlite

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// generated yields n synthetic records shaped like the benchmark data:
// 100 locations (1001 the busiest), a year of attempts, ids 1..n.
func generated(n int) iter.Seq2[*fc.FailedCheckin, error] {
	names := []string{"Liam Moore", "Emma Smith", "Noah Smithson", "Olivia Brown", "Zoë Müller", "Ahmed Roberts"}
	descs := []string{"Plan expired", "Door controller offline", "Pass limit reached", "Booking required", "No plan"}
	start := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	const year = int64(365 * 24 * time.Hour)
	return func(yield func(*fc.FailedCheckin, error) bool) {
		rnd := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			b := int64(1001 + rnd.IntN(100))
			if rnd.IntN(6) == 0 {
				b = 1001
			}
			// i * year / n, without the product (it overflows past i = 292).
			at := start.Add(time.Duration(int64(i)*(year/int64(n)) + int64(i)*(year%int64(n))/int64(n)))
			cw := int64(100000 + rnd.IntN(20000))
			r := &fc.FailedCheckin{
				ID: int64(i + 1), CoworkerID: &cw, CoworkerFullName: names[rnd.IntN(len(names))],
				BusinessID: b, BusinessName: fmt.Sprintf("Location %d", b), CheckinAttemptTime: at,
				Source: fc.Source(rnd.IntN(6)), Teams: "Orbit Partners", Tariff: "Hot Desk",
				Description: descs[rnd.IntN(len(descs))], CheckinAttemptTimeLocal: at.Add(time.Hour), CreatedOn: at,
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// BenchmarkCreateFailedCheckins measures import throughput through the
// store API: 100,000 records per operation into a fresh database.
func BenchmarkCreateFailedCheckins(b *testing.B) {
	const n = 100_000
	for b.Loop() {
		b.StopTimer()
		db := openTest(b)
		b.StartTimer()
		if _, err := db.CreateFailedCheckins(context.Background(), generated(n)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkImportCSV imports the CSV file named by FAILEDCHECKINS_BENCH_CSV
// (for example datagen's 1M rows) through csvrecord, as the import command
// does. It is skipped when the variable is unset.
func BenchmarkImportCSV(b *testing.B) {
	path := os.Getenv("FAILEDCHECKINS_BENCH_CSV")
	if path == "" {
		b.Skip("FAILEDCHECKINS_BENCH_CSV is not set")
	}
	var rows int
	for b.Loop() {
		b.StopTimer()
		db := openTest(b)
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rd, err := csvrecord.NewReader(f)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		rows, err = db.CreateFailedCheckins(context.Background(), rd.All())
		f.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows*b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkQueries times the six query shapes of bench/README.md on
// 200,000 generated records (count and page, as the API runs them).
func BenchmarkQueries(b *testing.B) {
	db := openTest(b)
	if _, err := db.CreateFailedCheckins(context.Background(), generated(200_000)); err != nil {
		b.Fatal(err)
	}
	recent := time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	at := fc.FieldCheckinAttemptTime
	one := fc.BusinessScope(1001)
	shapes := []struct {
		name string
		q    fc.Query
	}{
		{"q1-recent", fc.Query{Scope: one, Conditions: []fc.Condition{fc.TimeRange(at, recent, time.Time{})}}},
		{"q2-name", fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldCoworkerFullName, "smith")}}},
		{"q3-combined", fc.Query{Scope: one, Conditions: []fc.Condition{fc.In(fc.FieldSource, 2),
			fc.Contains(fc.FieldDescription, "plan"), fc.TimeRange(at, recent.AddDate(0, -2, 0), time.Time{})}}},
		{"q4-deep", fc.Query{Scope: one, Page: 400}},
		{"q6-everything", fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldCreatedOn}},
	}
	for _, s := range shapes {
		q := s.q
		q.Descending, q.Size = true, 25
		q.Page = max(q.Page, 1)
		if q.OrderBy == "" {
			q.OrderBy = at
		}
		b.Run(s.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.FindFailedCheckins(context.Background(), q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// A page of 1000 records (issue 17's large pages: r135 of the random
	// shapes), where the cost per record dominates: reading, decoding and
	// building the records.
	b.Run("page-1000", func(b *testing.B) {
		q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldCheckinAttemptTime, Descending: true, Page: 1, Size: 1000}
		b.ReportAllocs()
		for b.Loop() {
			if p, err := db.FindFailedCheckins(context.Background(), q); err != nil || len(p.Records) != 1000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("q5-get-one", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), 100_000); err != nil {
				b.Fatal(err)
			}
		}
	})
}
