package postgres

import (
	"context"
	"os"
	"testing"

	"github.com/failedcheckins/failedcheckins/sqlstore/shapetime"
)

// TestTimeShapes is a diagnostic, not a check: PostgreSQL's counterpart
// of the sqlite package's. It times the searches of an fcbench
// -random-out file (FAILEDCHECKINS_SHAPES_TSV) through the store on the
// database FAILEDCHECKINS_BENCH_PG (a postgres:// URL), statement by
// statement (package shapetime); with FAILEDCHECKINS_SHAPES_EXPLAIN=MS,
// the EXPLAIN ANALYZE of each statement slower than MS milliseconds:
//
//	FAILEDCHECKINS_SHAPES_TSV=/tmp/random.tsv FAILEDCHECKINS_BENCH_PG=postgres://... \
//	    go test -count=1 -run TestTimeShapes -v ./postgres
func TestTimeShapes(t *testing.T) {
	dsn := os.Getenv("FAILEDCHECKINS_BENCH_PG")
	if dsn == "" || os.Getenv("FAILEDCHECKINS_SHAPES_TSV") == "" {
		t.Skip("FAILEDCHECKINS_BENCH_PG and FAILEDCHECKINS_SHAPES_TSV are not both set")
	}
	db, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	shapetime.Run(t, dialect, db.read, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ")
}
