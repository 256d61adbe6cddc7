package sqlite

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/retention"
)

// erasurePeople is how many people of the erasure benchmark's data each
// hold erasureShare of the records: each iteration erases the next one,
// so up to erasurePeople iterations run on one database.
const (
	erasurePeople = 10
	erasureShare  = 200 // one record in 200: 5,000 of 1,000,000
)

// erasureData yields generated(n) with every erasureShare-th record (by
// offset k) made person k's: coworker 90000+k, their name and MAC. The
// attempts are spread evenly over the year from erasureStart (generated's
// own times overflow past a few thousand records).
func erasureData(n int) iter.Seq2[*fc.FailedCheckin, error] {
	step := 365 * retention.Day / time.Duration(n)
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for r, err := range generated(n) {
			at := erasureStart.Add(time.Duration(r.ID-1) * step)
			r.CheckinAttemptTime, r.CheckinAttemptTimeLocal, r.CreatedOn = at, at.Add(time.Hour), at
			if k := int(r.ID % erasureShare); k < erasurePeople {
				id := int64(90000 + k)
				r.CoworkerID, r.CoworkerFullName, r.MacAddresses = &id, fmt.Sprintf("Erasable Person %d", k), erasureMAC(k)
			}
			if !yield(r, err) {
				return
			}
		}
	}
}

// erasureStart is the first attempt of erasureData.
var erasureStart = time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)

func erasureMAC(k int) string { return fmt.Sprintf("A4:5E:60:C2:19:%02X", k) }

// erasureDirectory names the benchmark's locations and people (with
// their MAC addresses, which the erasure looks for too).
func erasureDirectory() string {
	var b strings.Builder
	b.WriteString(`{"Businesses": [`)
	for i := 1001; i <= 1100; i++ {
		if i > 1001 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"Id": %d, "Name": "Location %d", "TimeZone": "UTC"}`, i, i)
	}
	b.WriteString(`], "Tariffs": [{"Id": 1, "Name": "Hot Desk"}], "Coworkers": [`)
	for k := range erasurePeople {
		if k > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `{"Id": %d, "FullName": "Erasable Person %d", "Email": "p%d@example.com", "Active": true, "TariffId": 1, "MacAddresses": [%q]}`,
			90000+k, k, k, erasureMAC(k))
	}
	b.WriteString(`]}`)
	return b.String()
}

// BenchmarkErasePerson measures the erasure of one person holding 5,000
// records (by coworker Id: their records by Id and by their directory
// entry's MAC address, the entry, their idempotency answers) among
// FAILEDCHECKINS_BENCH_ERASE_ROWS records (default 1,000,000), the
// target of issue 16: under 2 s. The database is built once per run (a
// minute or so at 1M); each iteration erases another person, so run it
// with -benchtime=Nx, N at most 10.
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
	db, err := Open(ctx, filepath.Join(b.TempDir(), "erase.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, erasureData(rows)); err != nil {
		b.Fatal(err)
	}
	d, err := fc.ParseDirectory(strings.NewReader(erasureDirectory()))
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ImportDirectory(ctx, d); err != nil {
		b.Fatal(err)
	}
	k := 0
	var changed int
	b.ResetTimer()
	for b.Loop() {
		if k == erasurePeople {
			b.Fatalf("only %d people to erase: use -benchtime=%dx or less", erasurePeople, erasurePeople)
		}
		changed, err = db.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: int64(90000 + k)}, "dpo@example.com")
		if err != nil {
			b.Fatal(err)
		}
		if want := rows / erasureShare; changed != want {
			b.Fatalf("ErasePerson(%d) = %d; want %d", 90000+k, changed, want)
		}
		k++
	}
	b.ReportMetric(float64(changed), "records/op")
}

// BenchmarkRetention measures a retention run on SQLite: over
// FAILEDCHECKINS_BENCH_RETENTION_ROWS records (default 200,000, a year of
// attempts), --delete-after removes the older half (about 100,000
// records) and --anonymize-after anonymizes the next quarter, while a
// reader searches one location's newest records in a loop. It reports the
// longest a batch held the writer (PRIVACY.md: at most 50 ms) and the
// slowest search meanwhile (issue 16: at most 100 ms).
func BenchmarkRetention(b *testing.B) {
	rows := 200_000
	if v := os.Getenv("FAILEDCHECKINS_BENCH_RETENTION_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatalf("FAILEDCHECKINS_BENCH_RETENTION_ROWS=%q: %v", v, err)
		}
		rows = n
	}
	ctx := context.Background()
	var maxHeld, maxSearch time.Duration
	var held []time.Duration
	var res retention.Result
	for b.Loop() {
		b.StopTimer()
		db, err := Open(ctx, filepath.Join(b.TempDir(), "retention.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := db.CreateFailedCheckins(ctx, erasureData(rows)); err != nil {
			b.Fatal(err)
		}
		run := retention.Runner{Store: db, Now: func() time.Time { return erasureStart.Add(365 * retention.Day) },
			Windows: retention.Windows{DeleteAfter: 183 * retention.Day, AnonymizeAfter: 92 * retention.Day}}
		stop := make(chan struct{})
		searched := make(chan time.Duration)
		go func() {
			var slowest time.Duration
			q := fc.Query{Scope: fc.BusinessScope(1001), OrderBy: fc.FieldCheckinAttemptTime, Descending: true, Page: 1, Size: 25}
			for {
				select {
				case <-stop:
					searched <- slowest
					return
				default:
				}
				t0 := time.Now()
				if _, err := db.FindFailedCheckins(ctx, q); err != nil {
					b.Error(err)
				}
				slowest = max(slowest, time.Since(t0))
			}
		}()
		b.StartTimer()
		res, err = run.RunOnce(ctx)
		b.StopTimer()
		close(stop)
		maxSearch = max(maxSearch, <-searched)
		if err != nil {
			b.Fatal(err)
		}
		maxHeld = max(maxHeld, res.MaxHeld)
		held = append(held, res.Held...)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(res.Deleted), "deleted/op")
	b.ReportMetric(float64(res.Anonymized), "anonymized/op")
	b.ReportMetric(float64(res.Batches), "batches/op")
	slices.Sort(held)
	if len(held) > 0 {
		b.ReportMetric(float64(held[len(held)/2].Microseconds())/1000, "p50-held-ms")
		b.ReportMetric(float64(held[len(held)*99/100].Microseconds())/1000, "p99-held-ms")
		over := 0
		for _, h := range held {
			if h > 50*time.Millisecond {
				over++
			}
		}
		b.ReportMetric(float64(over), "batches-over-50ms")
	}
	b.ReportMetric(float64(maxHeld.Microseconds())/1000, "max-held-ms")
	b.ReportMetric(float64(maxSearch.Microseconds())/1000, "max-search-ms")
}
