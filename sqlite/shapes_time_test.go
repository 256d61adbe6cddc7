package sqlite

import (
	"context"
	"os"
	"testing"

	"github.com/failedcheckins/failedcheckins/sqlstore/shapetime"
)

// TestTimeShapes is a diagnostic, not a check: it times the searches of
// an fcbench -random-out file through the store on the database
// FAILEDCHECKINS_BENCH_DB, statement by statement (package shapetime).
// With FAILEDCHECKINS_SHAPES_EXPLAIN=MS it prints the plan (EXPLAIN QUERY
// PLAN) of each statement slower than MS milliseconds.
// Skipped unless both variables are set (docs/benchmarks.md, issue 17):
//
//	FAILEDCHECKINS_SHAPES_TSV=/tmp/random.tsv FAILEDCHECKINS_BENCH_DB=/tmp/fc-1m.db \
//	    go test -count=1 -run TestTimeShapes -v ./sqlite
func TestTimeShapes(t *testing.T) {
	path := os.Getenv("FAILEDCHECKINS_BENCH_DB")
	if path == "" || os.Getenv("FAILEDCHECKINS_SHAPES_TSV") == "" {
		t.Skip("FAILEDCHECKINS_BENCH_DB and FAILEDCHECKINS_SHAPES_TSV are not both set")
	}
	db, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shapetime.Run(t, dialect, db.read, shapetime.SQLitePlan)
}
