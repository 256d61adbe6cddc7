package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for the PostgreSQL backend monitor
	_ "github.com/mattn/go-sqlite3"    // the driver the sqlite store uses, for the SQLite floor

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// floorDB runs a shape's plain SQL directly on a SQLite database (the
// PostgreSQL floor is timed with psql: psqlfloor.go): the COUNT(*)
// and the LIMIT/OFFSET page that sqlstore writes for it, the naive plan
// with no help from the store's precomputed structures. Its time is the
// floor of that plan with no HTTP, JSON or authentication around it.
type floorDB struct {
	db      *sql.DB
	dialect sqlstore.Dialect
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

func openFloor(db string) (*floorDB, error) {
	d, err := sql.Open("sqlite3", "file:"+url.PathEscape(db)+"?mode=ro&_query_only=on&_cache_size=-16384")
	if err != nil {
		return nil, fmt.Errorf("open floor: %w", err)
	}
	return &floorDB{db: d, dialect: sqlstore.SQLite()}, nil
}

// measure returns the median time of one count + page of s over runs runs
// (after one unmeasured run), and the count it read (-1 for a get-one).
func (f *floorDB) measure(ctx context.Context, s shape, runs int) (time.Duration, int64, error) {
	var times []time.Duration
	var total int64
	for i := range runs + 1 {
		t0 := time.Now()
		n, err := f.once(ctx, s)
		if err != nil {
			return 0, 0, fmt.Errorf("floor %s: %w", s.name, err)
		}
		if i > 0 {
			times = append(times, time.Since(t0))
		}
		total = n
	}
	slices.Sort(times)
	return times[len(times)/2], total, nil
}

func (f *floorDB) once(ctx context.Context, s shape) (int64, error) {
	if s.query.Size == 0 {
		q := "SELECT " + sqlstore.SelectColumns + " FROM failed_checkins WHERE id = " + f.placeholder(1)
		return -1, drain(f.db.QueryContext(ctx, q, s.getID))
	}
	find, err := sqlstore.BuildFind(f.dialect, s.query)
	if err != nil {
		return 0, err
	}
	var n int64
	if err := f.db.QueryRowContext(ctx, find.Count, find.Args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count: %w", err)
	}
	args := append(find.Args[:len(find.Args):len(find.Args)], s.query.Size, s.query.Offset())
	return n, drain(f.db.QueryContext(ctx, find.Page, args...))
}

func (f *floorDB) placeholder(i int) string {
	if f.dialect.Numbered {
		return fmt.Sprintf("$%d", i)
	}
	return "?"
}

// drain reads every row (into raw bytes, as a driver must at least do).
func drain(rows *sql.Rows, err error) error {
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(sql.RawBytes)
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return fmt.Errorf("scan: %w", err)
		}
	}
	return rows.Err()
}
