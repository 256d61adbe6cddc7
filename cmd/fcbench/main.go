// Command fcbench is the project's load tool (issue 6): it imports a
// data set, starts the real failedcheckins binary as a child process,
// signs in, drives the query shapes of the bench README with a closed
// loop of N connections (3 s warm-up, 15 s measured, 3 interleaved rounds
// by default) and prints per shape the requests per second, p50, p99,
// errors, the server's CPU time per request (read from /proc) and the raw
// SQL floor of the same shape on the same database. It works against both
// stores: --db is a SQLite file or a postgres:// URL. The load client is a
// minimal keep-alive HTTP/1.1 client over raw connections (httpconn.go),
// so that it takes less of the CPU it shares with the server; its own CPU
// per request is printed below the table.
//
//	go build -o /tmp/fcbin ./cmd/failedcheckins && go build -o /tmp/fcbench ./cmd/fcbench
//	/tmp/fcbench -bin /tmp/fcbin -db /tmp/fc-1m.db -import /tmp/fc-1m.csv
//	/tmp/fcbench -bin /tmp/fcbin -db /tmp/fc-1m.db -duration 3s -warmup 1s -rounds 1   # smoke run
//
// With -random N it instead draws N random search shapes with -seed
// (random.go: every filter, sort, direction, page position and size, a
// third asked by location managers it creates) and measures each for
// -shape-duration, with a get-one by id measured between them; it prints
// every shape's p50, p99, max and server CPU per request, their ratios to
// the get-one's (issue 17's targets are ratios), the worst ten with their
// query strings and how many exceed the targets:
//
//	/tmp/fcbench -bin /tmp/fcbin -db /tmp/fc-1m.db -random 200 -seed 1 -random-out /tmp/random.tsv
//
// With -audit-pairs N it measures -shapes on two servers of the same
// database, one with the audit trail off (FAILEDCHECKINS_BENCHMARK_AUDIT_OFF,
// a switch for this measurement only) and one with it on, alternated
// over N rounds, and prints each round's on/off ratio of server CPU per
// request and their median (issue 16: at most +10%):
//
//	/tmp/fcbench -bin /tmp/fcbin -db /tmp/fc-1m.db -shapes q1,q5 -audit-pairs 15 -duration 3s -warmup 1s
//
// The drawn values come from a sample of the data, so other data (10M
// records) draws other shapes from the same seed; -random-replay measures
// the shapes of an earlier -random-out file instead (replay.go):
//
//	/tmp/fcbench -bin /tmp/fcbin -db /tmp/fc-10m.db -random 200 -random-replay /tmp/random.tsv -random-out /tmp/random-10m.tsv
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"
)

// config holds the flags.
type config struct {
	bin, db, importCSV   string
	shapes               string
	conns, rounds, floor int
	duration, warmup     time.Duration
	out                  string
	check                bool
	psql                 string

	// The random-shape benchmark (random.go, randrun.go).
	random                     int
	replay                     string
	seed                       uint64
	shapeDuration, shapeWarmup time.Duration
	getOneEvery                int
	randomOut                  string
	maxP99Ratio, maxCPURatio   float64

	// auditPairs: measure each shape on two servers, the audit off and
	// on, alternated, this many rounds (auditpairs.go).
	auditPairs int
}

func main() {
	var c config
	flag.StringVar(&c.bin, "bin", "", "failedcheckins binary to run (required; go build -o /tmp/fcbin ./cmd/failedcheckins)")
	flag.StringVar(&c.db, "db", "", "SQLite database file or postgres:// URL (required)")
	flag.StringVar(&c.importCSV, "import", "", "CSV to import first; a SQLite file is deleted and recreated, a PostgreSQL database must be empty")
	flag.StringVar(&c.shapes, "shapes", "bench", "bench (q1..q7a), extra (x1..x7), all (both), sorts (s1..s4: sorts on unindexed text fields), or a comma-separated list of names")
	flag.IntVar(&c.conns, "c", 8, "connections (closed loop)")
	flag.IntVar(&c.rounds, "rounds", 3, "interleaved rounds over the shapes; figures are the median")
	flag.IntVar(&c.floor, "floor-runs", 11, "runs of each shape's raw SQL for the floor (median); 0 skips the floor")
	flag.DurationVar(&c.duration, "duration", 15*time.Second, "measured time per shape and round")
	flag.DurationVar(&c.warmup, "warmup", 3*time.Second, "unmeasured load before each measurement")
	flag.StringVar(&c.out, "rounds-out", "", "write every round's figures to this TSV file")
	flag.StringVar(&c.psql, "psql", "psql", "psql binary that times the PostgreSQL floor")
	flag.BoolVar(&c.check, "check", true, "fail when a bench shape's TotalItems differs from the README (1M rows, seed 1)")
	flag.IntVar(&c.random, "random", 0, "instead of -shapes, draw and measure this many random shapes (issue 17)")
	flag.StringVar(&c.replay, "random-replay", "", "-random: measure the shapes of this earlier -random-out file instead of drawing them (the same shapes on other data: a drawn shape's values come from the data)")
	flag.Uint64Var(&c.seed, "seed", 1, "seed of the random shapes (the same seed on the same data draws the same shapes)")
	flag.DurationVar(&c.shapeDuration, "shape-duration", 2*time.Second, "-random: measured time per shape (requests in flight at its end are counted)")
	flag.DurationVar(&c.shapeWarmup, "shape-warmup", 0, "-random: unmeasured load before each shape (the TotalItems read before it is one request of warm-up)")
	flag.IntVar(&c.getOneEvery, "getone-every", 20, "-random: measure the get-one reference again after every this many shapes")
	flag.StringVar(&c.randomOut, "random-out", "", "-random: write every shape's figures to this TSV file")
	flag.Float64Var(&c.maxP99Ratio, "max-p99-ratio", 0, "-random: p99 target as a multiple of get-one's (0: 10 on SQLite, 20 on PostgreSQL)")
	flag.Float64Var(&c.maxCPURatio, "max-cpu-ratio", 0, "-random: CPU per request target as a multiple of get-one's (0: 20)")
	flag.IntVar(&c.auditPairs, "audit-pairs", 0, "instead of the bench, measure -shapes on two servers of the same -db, the audit trail off and on, alternated over this many rounds, and print the on/off ratios of server CPU per request (issue 16)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "fcbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config) error {
	if c.bin == "" || c.db == "" {
		return errors.New("-bin and -db are required")
	}
	if c.random > 0 && c.auditPairs > 0 {
		return errors.New("-random and -audit-pairs are two different runs: give one")
	}
	shapes, err := selectShapes(c.shapes)
	if err != nil {
		return err
	}
	if c.importCSV != "" {
		if err := importCSV(ctx, c.bin, c.db, c.importCSV); err != nil {
			return err
		}
	}
	if c.random > 0 {
		return runRandom(ctx, c)
	}
	if c.auditPairs > 0 {
		return runAuditPairs(ctx, c, shapes)
	}
	floors, err := measureFloors(ctx, c, shapes)
	if err != nil {
		return err
	}
	return measureServer(ctx, c, shapes, floors)
}

func selectShapes(spec string) ([]shape, error) {
	switch spec {
	case "bench":
		return benchShapes(), nil
	case "extra":
		return extraShapes(), nil
	case "sorts":
		return sortShapes(), nil
	case "all":
		return append(benchShapes(), extraShapes()...), nil
	}
	byName := map[string]shape{}
	for _, s := range slices.Concat(benchShapes(), extraShapes(), sortShapes()) {
		byName[s.name] = s
	}
	var out []shape
	for _, n := range strings.Split(spec, ",") {
		s, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("unknown shape %q", n)
		}
		out = append(out, s)
	}
	return out, nil
}

// floorResult is a shape's raw SQL time and the count it read.
type floorResult struct {
	time  time.Duration
	total int64
}

// measureFloors times every shape's raw SQL with the server stopped, as
// the peer's script does: through the driver on SQLite, with psql on
// PostgreSQL (psqlfloor.go).
func measureFloors(ctx context.Context, c config, shapes []shape) (map[string]floorResult, error) {
	out := map[string]floorResult{}
	if c.floor == 0 {
		return out, nil
	}
	if isPostgres(c.db) {
		for _, s := range shapes {
			d, n, err := psqlFloor(ctx, c.psql, c.db, s, c.floor)
			if err != nil {
				return nil, err
			}
			out[s.name] = floorResult{d, n}
			logf("floor %s (psql): %.3f ms (count %d)", s.name, ms(d), n)
		}
		return out, nil
	}
	f, err := openFloor(c.db)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.db.Close() }() // a read-only (mode=ro) pool: closing it loses nothing
	for _, s := range shapes {
		d, n, err := f.measure(ctx, s, c.floor)
		if err != nil {
			return nil, err
		}
		out[s.name] = floorResult{d, n}
		logf("floor %s: %.3f ms (count %d)", s.name, ms(d), n)
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
