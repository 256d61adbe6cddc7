package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/demo"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// BenchmarkImportFile measures the import path (CSV parsing, validation and
// the store's inserts) on demo rows; docs/benchmarks.md has the 1M-row
// figure and how to profile it:
//
//	go test -run XXX -bench ImportFile -cpuprofile cpu.out ./cmd/failedcheckins/
func BenchmarkImportFile(b *testing.B) {
	const rows = 20_000
	csvPath := filepath.Join(b.TempDir(), "demo.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	seq := func(yield func(*fc.FailedCheckin) bool) {
		for r := range demo.Generate(1, rows, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) {
			if !yield(r) {
				return
			}
		}
	}
	if err := csvrecord.Write(f, seq); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		db, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "fc.db"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(b.Context()); err != nil {
			b.Fatal(err)
		}
		if _, err := importFile(b.Context(), db, csvPath, silentProgress{}); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
