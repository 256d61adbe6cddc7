package postgres

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// erasureRecords yields n records over a year at 100 locations, every
// 200th (by offset k < 10) person k's: coworker 90000+k with a MAC
// address; the others of 20,000 coworkers without one.
func erasureRecords(n int) iter.Seq2[*fc.FailedCheckin, error] {
	names := []string{"Liam Moore", "Emma Smith", "Noah Smithson", "Olivia Brown", "Zoë Müller", "Ahmed Roberts"}
	descs := []string{"Plan expired", "Door controller offline", "Pass limit reached", "Booking required", "No plan"}
	step := 365 * 24 * time.Hour / time.Duration(n)
	return func(yield func(*fc.FailedCheckin, error) bool) {
		rnd := rand.New(rand.NewPCG(1, 2))
		for i := range n {
			id := int64(i + 1)
			b := int64(1001 + rnd.IntN(100))
			at := erasureStart.Add(time.Duration(i) * step)
			cw := int64(100000 + rnd.IntN(20000))
			r := &fc.FailedCheckin{ID: id, CoworkerID: &cw, CoworkerFullName: names[rnd.IntN(len(names))],
				BusinessID: b, BusinessName: fmt.Sprintf("Location %d", b), CheckinAttemptTime: at,
				Source: fc.Source(rnd.IntN(6)), Teams: "Orbit Partners", Tariff: "Hot Desk",
				Description: descs[rnd.IntN(len(descs))], CheckinAttemptTimeLocal: at.Add(time.Hour), CreatedOn: at}
			if k := int(id % 200); k < 10 {
				p := int64(90000 + k)
				r.CoworkerID, r.CoworkerFullName, r.MacAddresses = &p, fmt.Sprintf("Erasable Person %d", k), fmt.Sprintf("A4:5E:60:C2:19:%02X", k)
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// erasureStart is the first attempt of erasureRecords.
var erasureStart = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkErasePerson is sqlite's BenchmarkErasePerson on PostgreSQL:
// the erasure by coworker Id of one person holding one record in 200
// among FAILEDCHECKINS_BENCH_ERASE_ROWS records (default 1,000,000, so
// 5,000), on a fresh database built once per run; each iteration erases
// another of ten people (-benchtime=Nx, N at most 10).
func BenchmarkErasePerson(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("FAILEDCHECKINS_BENCH_ERASE_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("FAILEDCHECKINS_BENCH_ERASE_ROWS=%q: %v", v, err)
		}
		rows = n
	}
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(b))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, erasureRecords(rows)); err != nil {
		b.Fatal(err)
	}
	var doc strings.Builder
	doc.WriteString(`{"Businesses": [{"Id": 1001, "Name": "Location 1001", "TimeZone": "UTC"}], "Tariffs": [{"Id": 1, "Name": "Hot Desk"}], "Coworkers": [`)
	for k := range 10 {
		if k > 0 {
			doc.WriteString(", ")
		}
		fmt.Fprintf(&doc, `{"Id": %d, "FullName": "Erasable Person %d", "Active": true, "TariffId": 1, "MacAddresses": ["A4:5E:60:C2:19:%02X"]}`, 90000+k, k, k)
	}
	doc.WriteString(`]}`)
	d, err := fc.ParseDirectory(strings.NewReader(doc.String()))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ImportDirectory(ctx, d); err != nil {
		b.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	k := 0
	var changed int
	b.ResetTimer()
	for b.Loop() {
		if k == 10 {
			b.Fatal("only 10 people to erase: use -benchtime=10x or less")
		}
		changed, err = db.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: int64(90000 + k)}, "dpo@example.com")
		if err != nil {
			b.Fatal(err)
		}
		if want := rows / 200; changed != want {
			b.Fatalf("ErasePerson(%d) = %d; want %d", 90000+k, changed, want)
		}
		k++
	}
	b.ReportMetric(float64(changed), "records/op")
}

// BenchmarkRetention is sqlite's BenchmarkRetention on PostgreSQL
// (storetest.BenchRetention, on a fresh database per iteration, records
// of erasureRecords): every batch's hold of the writer (PRIVACY.md: at
// most 50 ms) and the slowest search meanwhile.
func BenchmarkRetention(b *testing.B) {
	storetest.BenchRetention(b, func(b *testing.B) storetest.RetentionBenchStore {
		ctx := context.Background()
		db, err := Open(ctx, pgtest.NewDatabase(b))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		return db
	}, erasureRecords, erasureStart)
}
