package sqlite

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// timedRows logs a statement's time (from Query to Close) and its rows.
type timedRows struct {
	sqlstore.Rows
	start time.Time
	sql   string
	args  []any
	log   *[]string
	n     int
}

func (r *timedRows) Next() bool {
	ok := r.Rows.Next()
	if ok {
		r.n++
	}
	return ok
}
func (r *timedRows) Close() {
	r.Rows.Close()
	*r.log = append(*r.log, fmt.Sprintf("  %8.2f ms rows=%d %s %v", float64(time.Since(r.start).Microseconds())/1000, r.n, short(r.sql), short(fmt.Sprint(r.args))))
}
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 400 {
		return s[:400] + "..."
	}
	return s
}

// timedTx times every query of a search.
type timedTx struct {
	sqlstore.Tx
	log *[]string
}

func (t timedTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	start := time.Now()
	r, err := t.Tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return &timedRows{Rows: r, start: start, sql: sql, args: args, log: t.log}, nil
}

// TestTimeShapes is a diagnostic, not a check: it runs the searches of an
// fcbench -random-out file (FAILEDCHECKINS_SHAPES_TSV; only the shapes
// listed in FAILEDCHECKINS_SHAPES_ONLY, "r001,r002", when set) through the
// store on the database FAILEDCHECKINS_BENCH_DB, three times each, and
// prints the fastest run's time and each of its statements with its own
// time: where a shape's time goes (the count or the page, and which
// statement). Skipped unless both variables are set (docs/benchmarks.md,
// issue 17):
//
//	FAILEDCHECKINS_SHAPES_TSV=/tmp/random.tsv FAILEDCHECKINS_BENCH_DB=/tmp/fc-1m.db \
//	    go test -count=1 -run TestTimeShapes -v ./sqlite
func TestTimeShapes(t *testing.T) {
	path, tsv := os.Getenv("FAILEDCHECKINS_BENCH_DB"), os.Getenv("FAILEDCHECKINS_SHAPES_TSV")
	if path == "" || tsv == "" {
		t.Skip("FAILEDCHECKINS_BENCH_DB and FAILEDCHECKINS_SHAPES_TSV are not both set")
	}
	only := os.Getenv("FAILEDCHECKINS_SHAPES_ONLY")
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f, err := os.Open(tsv)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 14 || !strings.HasPrefix(cols[0], "r") {
			continue
		}
		if only != "" && !strings.Contains(","+only+",", ","+cols[0]+",") {
			continue
		}
		scope := fc.AllBusinesses()
		if strings.HasPrefix(cols[1], "manager of ") {
			var ids []int64
			for _, s := range strings.Split(strings.TrimPrefix(cols[1], "manager of "), ",") {
				v, _ := strconv.ParseInt(s, 10, 64)
				ids = append(ids, v)
			}
			scope = fc.BusinessScope(ids...)
		}
		raw := cols[13] // the path, in fcbench's column order
		raw = raw[strings.Index(raw, "?")+1:]
		q, err := searchparams.FailedCheckins.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", cols[0], err)
		}
		q.Scope = scope
		var best time.Duration
		var bestLog []string
		var total int64
		for range 3 {
			var log []string
			read := func(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
				return db.read(ctx, func(tx sqlstore.Tx) error { return fn(timedTx{tx, &log}) })
			}
			start := time.Now()
			p, err := sqlstore.FindFailedCheckins(ctx, dialect, read, q)
			el := time.Since(start)
			if err != nil {
				t.Fatalf("%s: %v", cols[0], err)
			}
			total = p.TotalItems
			if best == 0 || el < best {
				best, bestLog = el, log
			}
		}
		fmt.Printf("%s %.2f ms total=%d (bench cpu %s) %s %s\n", cols[0], float64(best.Microseconds())/1000, total, cols[10], cols[1], raw)
		for _, l := range bestLog {
			fmt.Println(l)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", tsv, err)
	}
}
