// Package shapetime times searches of an fcbench -random-out file through
// a store's own search statements, statement by statement: a diagnostic
// for issue 17's random shapes (where a shape's time goes: the count or
// the page, and which statement), shared by the sqlite and postgres
// packages' TestTimeShapes. It checks nothing.
package shapetime

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

// Read runs fn in one read transaction of a store.
type Read func(ctx context.Context, fn func(tx sqlstore.Tx) error) error

// Run reads the shapes of the file FAILEDCHECKINS_SHAPES_TSV (only
// FAILEDCHECKINS_SHAPES_ONLY's, "r001,r002", when set), runs each search
// three times through read, and prints the fastest run's time and each of
// its statements with its own time. With explain non-empty (a prefix such
// as PostgreSQL's "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ", whose rows are
// one text column) and FAILEDCHECKINS_SHAPES_EXPLAIN=MS, it also prints
// the plan of each statement slower than MS milliseconds. The caller
// skips the test unless its database and the file are set.
func Run(t *testing.T, d sqlstore.Dialect, read Read, explain string) {
	tsv := os.Getenv("FAILEDCHECKINS_SHAPES_TSV")
	only := os.Getenv("FAILEDCHECKINS_SHAPES_ONLY")
	explainMS, _ := strconv.ParseFloat(os.Getenv("FAILEDCHECKINS_SHAPES_EXPLAIN"), 64)
	ctx := context.Background()
	f, err := os.Open(tsv)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose
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
		var bestLog []timed
		var total int64
		for range 3 {
			var log []timed
			timedRead := func(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
				return read(ctx, func(tx sqlstore.Tx) error { return fn(timedTx{tx, &log}) })
			}
			start := time.Now()
			p, err := sqlstore.FindFailedCheckins(ctx, d, timedRead, q)
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
			if explain != "" && explainMS > 0 && ms(l.took) >= explainMS {
				if err := printPlan(ctx, read, explain, l.st); err != nil {
					t.Errorf("explain: %v", err)
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", tsv, err)
	}
}

// SQLitePlan is SQLite's explain prefix, whose rows are four columns
// (the plan's text is the last).
const SQLitePlan = "EXPLAIN QUERY PLAN "

// printPlan prints st's plan, run in a read transaction of its own.
func printPlan(ctx context.Context, read Read, explain string, st sqlstore.Statement) error {
	return read(ctx, func(tx sqlstore.Tx) error {
		rows, err := tx.Query(ctx, explain+st.SQL, st.Args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if explain == SQLitePlan {
				// SQLite's rows are id, parent, notused, detail.
				var id, parent, notused int64
				if err := rows.Scan(&id, &parent, &notused, &line); err != nil {
					return err
				}
			} else if err := rows.Scan(&line); err != nil {
				return err
			}
			fmt.Println("        | " + line)
		}
		return rows.Err()
	})
}

// timed is one statement of a search with its own time.
type timed struct {
	st   sqlstore.Statement
	took time.Duration
	rows int
}

// timedRows logs a statement's time (from Query to Close) and its rows.
type timedRows struct {
	sqlstore.Rows
	start time.Time
	st    sqlstore.Statement
	log   *[]timed
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
	*r.log = append(*r.log, timed{r.st, time.Since(r.start), r.n})
}

// timedTx times every query of a search.
type timedTx struct {
	sqlstore.Tx
	log *[]timed
}

func (t timedTx) Query(ctx context.Context, sql string, args ...any) (sqlstore.Rows, error) {
	start := time.Now()
	r, err := t.Tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return &timedRows{Rows: r, start: start, st: sqlstore.Statement{SQL: sql, Args: args}, log: t.log}, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
