package postgres

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

// pgTimedRows logs a statement's time (from Query to Close) and its rows.
type pgTimedRows struct {
	sqlstore.Rows
	start time.Time
	st    sqlstore.Statement
	log   *[]timedStatement
	n     int
}

// timedStatement is one statement of a search with its own time.
type timedStatement struct {
	st   sqlstore.Statement
	took time.Duration
	rows int
}

func (r *pgTimedRows) Next() bool {
	ok := r.Rows.Next()
	if ok {
		r.n++
	}
	return ok
}

func (r *pgTimedRows) Close() {
	r.Rows.Close()
	*r.log = append(*r.log, timedStatement{r.st, time.Since(r.start), r.n})
}

// pgTimedTx times every query of a search.
type pgTimedTx struct {
	sqlstore.Tx
	log *[]timedStatement
}

func (t pgTimedTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	start := time.Now()
	r, err := t.Tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return &pgTimedRows{Rows: r, start: start, st: sqlstore.Statement{SQL: sql, Args: args}, log: t.log}, nil
}

// TestTimeShapes is a diagnostic, not a check: PostgreSQL's counterpart
// of the sqlite package's. It runs the searches of an fcbench -random-out
// file (FAILEDCHECKINS_SHAPES_TSV; only FAILEDCHECKINS_SHAPES_ONLY's,
// "r001,r002", when set) through the store on the database
// FAILEDCHECKINS_BENCH_PG (a postgres:// URL), three times each, and
// prints the fastest run's time and each of its statements with its own
// time; with FAILEDCHECKINS_SHAPES_EXPLAIN=MS, the EXPLAIN ANALYZE of each
// statement slower than MS milliseconds:
//
//	FAILEDCHECKINS_SHAPES_TSV=/tmp/random.tsv FAILEDCHECKINS_BENCH_PG=postgres://... \
//	    go test -count=1 -run TestTimeShapes -v ./postgres
func TestTimeShapes(t *testing.T) {
	dsn, tsv := os.Getenv("FAILEDCHECKINS_BENCH_PG"), os.Getenv("FAILEDCHECKINS_SHAPES_TSV")
	if dsn == "" || tsv == "" {
		t.Skip("FAILEDCHECKINS_BENCH_PG and FAILEDCHECKINS_SHAPES_TSV are not both set")
	}
	only := os.Getenv("FAILEDCHECKINS_SHAPES_ONLY")
	explainMS, _ := strconv.ParseFloat(os.Getenv("FAILEDCHECKINS_SHAPES_EXPLAIN"), 64)
	ctx := context.Background()
	db, err := Open(ctx, dsn)
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
		raw := cols[13]
		raw = raw[strings.Index(raw, "?")+1:]
		q, err := searchparams.FailedCheckins.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", cols[0], err)
		}
		q.Scope = scope
		var best time.Duration
		var bestLog []timedStatement
		var total int64
		for range 3 {
			var log []timedStatement
			read := func(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
				return db.read(ctx, func(tx sqlstore.Tx) error { return fn(pgTimedTx{tx, &log}) })
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
		fmt.Printf("%s %.2f ms total=%d (bench cpu %s, tsv total %s) %s %s\n", cols[0], ms(best), total, cols[10], cols[2], cols[1], raw)
		for _, l := range bestLog {
			fmt.Printf("  %8.2f ms rows=%d %s %s\n", ms(l.took), l.rows, oneLine(l.st.SQL, 600), oneLine(fmt.Sprint(l.st.Args), 300))
			if explainMS > 0 && ms(l.took) >= explainMS {
				explainStatement(ctx, t, db, l.st)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", tsv, err)
	}
}

// explainStatement prints st's EXPLAIN ANALYZE, run in a search's
// snapshot (plan per run).
func explainStatement(ctx context.Context, t *testing.T, db *DB, st sqlstore.Statement) {
	err := db.read(ctx, func(tx sqlstore.Tx) error {
		rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+st.SQL, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			fmt.Println("        | " + line)
		}
		return rows.Err()
	})
	if err != nil {
		t.Errorf("explain: %v", err)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
