package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	benchEmail    = "fcbench@example.com"
	benchPassword = "fcbench-password-1"
)

// importCSV imports path into a fresh database with the binary's import
// command and prints its wall time, CPU time and peak memory.
func importCSV(ctx context.Context, bin, db, path string) error {
	if !isPostgres(db) {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(db + suffix); err != nil && !os.IsNotExist(err) {
				return fmt.Errorf("remove old database: %w", err)
			}
		}
	}
	cmd := exec.CommandContext(ctx, bin, "import", "--db", db, path)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	wall := time.Since(t0)
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	fmt.Printf("import: %.1f s wall, %.1f s user, %.1f s sys, %d MiB max RSS\n",
		wall.Seconds(), cmd.ProcessState.UserTime().Seconds(), cmd.ProcessState.SystemTime().Seconds(), ru.Maxrss/1024)
	return nil
}

// ensureUser creates the bench administrator; an existing one is fine
// (the token request then tells whether the password matches).
func ensureUser(ctx context.Context, bin, db string) {
	out, err := exec.CommandContext(ctx, bin, "users", "add", "--db", db, "--email", benchEmail,
		"--password", benchPassword, "--admin").CombinedOutput()
	if err != nil {
		logf("users add: %v: %s (continuing: the user may exist)", err, out)
	}
}

// ensureManager creates the location manager of ids (roles to search and
// read FailedCheckins, those locations only) and returns its email; an
// existing one is fine, as for ensureUser.
func ensureManager(ctx context.Context, bin, db string, ids []int64) string {
	email := managerEmail(ids)
	bs := make([]string, len(ids))
	for i, id := range ids {
		bs[i] = strconv.FormatInt(id, 10)
	}
	out, err := exec.CommandContext(ctx, bin, "users", "add", "--db", db, "--email", email, "--password", benchPassword,
		"--roles", "FailedCheckin-List,FailedCheckin-Read", "--businesses", strings.Join(bs, ",")).CombinedOutput()
	if err != nil {
		logf("users add %s: %v: %s (continuing: the user may exist)", email, err, out)
	}
	return email
}

// managerTokens creates and signs in the manager of each set of
// locations (nil: the administrator), and returns the token of a set
// ("" for nil, which the client reads as the administrator's).
func managerTokens(ctx context.Context, c config, srv *server, sets [][]int64) (func(manager []int64) string, error) {
	out := map[string]string{}
	for _, ids := range sets {
		email := managerEmail(ids)
		if _, ok := out[email]; ok || ids == nil {
			continue
		}
		ensureManager(ctx, c.bin, c.db, ids)
		tok, err := srv.token(email, benchPassword)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", email, err)
		}
		out[email] = tok
	}
	return func(manager []int64) string {
		if manager == nil {
			return ""
		}
		return out[managerEmail(manager)]
	}, nil
}

// startMeasured creates the bench administrator, starts the server (on
// PostgreSQL with the monitor of its backends) and signs in; stop ends
// both.
func startMeasured(ctx context.Context, c config) (srv *server, tok string, stop func(), err error) {
	ensureUser(ctx, c.bin, c.db)
	return startMeasuredAs(ctx, c, serverAppName, false, "fcbench-server.log")
}

// startMeasuredAs is startMeasured for a server whose PostgreSQL
// connections are named app (force: even if -db names its own) and whose
// log is logName in the temporary directory, with env added to its
// environment; the bench administrator must exist.
func startMeasuredAs(ctx context.Context, c config, app string, force bool, logName string, env ...string) (srv *server, tok string, stop func(), err error) {
	dsn := c.db
	var pg *pgBackends
	if isPostgres(c.db) {
		// The server's connections carry an application_name, so that
		// the PostgreSQL backends serving them are counted too.
		if dsn, app, err = withAppName(c.db, app, force); err != nil {
			return nil, "", nil, err
		}
		if pg, err = openPGBackends(c.db, app); err != nil {
			return nil, "", nil, err
		}
	}
	srv, err = startServer(ctx, c.bin, dsn, filepath.Join(os.TempDir(), logName), env...)
	if err != nil {
		if pg != nil {
			pg.close()
		}
		return nil, "", nil, err
	}
	srv.pg = pg
	stop = func() {
		srv.stop()
		if pg != nil {
			pg.close()
		}
	}
	if tok, err = srv.token(benchEmail, benchPassword); err != nil {
		stop()
		return nil, "", nil, err
	}
	return srv, tok, stop, nil
}

// measureServer starts the server and runs the rounds.
func measureServer(ctx context.Context, c config, shapes []shape, floors map[string]floorResult) error {
	srv, tok, stop, err := startMeasured(ctx, c)
	if err != nil {
		return err
	}
	defer stop()
	cl := newClient(srv.base, tok, c.conns)
	tokenOf, err := shapeTokens(ctx, c, srv, shapes)
	if err != nil {
		return err
	}
	totals, err := checkTotals(ctx, cl, shapes, tokenOf, c.check)
	if err != nil {
		return err
	}
	results := map[string][]result{}
	for round := 1; round <= c.rounds; round++ {
		for _, s := range shapes {
			r, err := measureShape(ctx, c, srv, cl, tokenOf, round, s.name, s)
			if err != nil {
				return err
			}
			results[s.name] = append(results[s.name], r)
			logf("round %d %s: %.0f rps, p50 %.2f ms, p99 %.2f ms, %d errors, %.3f ms CPU/req, client %.3f ms CPU/req",
				round, s.name, r.rps(), ms(r.percentile(50)), ms(r.percentile(99)), r.errors, r.cpuPerRequest(), r.clientPerRequest())
		}
	}
	rss, peak, err := srv.memory()
	if err != nil {
		return err
	}
	printSummary(c, shapes, results, floors, totals)
	fmt.Printf("\nserver memory after the load: RSS %d MiB, peak RSS %d MiB\n", rss/1024, peak/1024)
	return nil
}

// shapeTokens signs in, at srv, the location manager of each shape that
// has one (creating it), and returns the token each shape is sent with
// ("" for the administrator's, the client's own).
func shapeTokens(ctx context.Context, c config, srv *server, shapes []shape) (func(shape) string, error) {
	sets := make([][]int64, len(shapes))
	for i, s := range shapes {
		sets[i] = s.manager
	}
	tokens, err := managerTokens(ctx, c, srv, sets)
	if err != nil {
		return nil, err
	}
	return func(s shape) string { return tokens(s.manager) }, nil
}

// measureShape measures shape s once on srv through cl (warm-up, then
// -duration), sent with its token (tokenOf), and appends the figures to
// -out as round round of name.
func measureShape(ctx context.Context, c config, srv *server, cl *client, tokenOf func(shape) string, round int, name string, s shape) (result, error) {
	req := buildRequest(cl.host, s.path, cl.tokenOr(tokenOf(s)))
	r, err := measureOnce(ctx, srv, cl, name, req, c.warmup, c.duration, false)
	if err != nil {
		return r, err
	}
	return r, appendRound(c.out, round, name, r)
}

// checkTotals fetches each shape once and compares TotalItems with the
// README's figure (and the floor's own count).
func checkTotals(ctx context.Context, cl *client, shapes []shape, tokenOf func(shape) string, strict bool) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range shapes {
		n, err := cl.totalItems(tokenOf(s), s.path)
		if err != nil {
			return nil, err
		}
		out[s.name] = n
		if s.want >= 0 && n != s.want {
			if strict {
				return nil, fmt.Errorf("%s: TotalItems %d; the bench README says %d (-check=false for other data)", s.name, n, s.want)
			}
			logf("%s: TotalItems %d, README %d", s.name, n, s.want)
		}
	}
	return out, nil
}

// measureOnce loads req for warmup, then measures it for d: the answers,
// the server's CPU (and its PostgreSQL backends') and the client's. With
// tail, the requests in flight at the end are counted (runRequest).
func measureOnce(ctx context.Context, srv *server, cl *client, name string, req []byte, warmup, d time.Duration, tail bool) (result, error) {
	if warmup > 0 {
		cl.runRequest(ctx, req, warmup, tail)
	}
	if srv.settle > 0 {
		// The warm-up's leftovers (its last audit batch) land before the
		// measured window, not in it, as the load's do after it.
		time.Sleep(srv.settle)
	}
	var pg0, pg1 map[int]time.Duration
	var all0 time.Duration
	var err error
	if srv.pg != nil {
		if pg0, err = srv.pg.snapshot(ctx); err != nil {
			return result{}, err
		}
		all0 = allPostgresCPU()
	}
	c0, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	self0, err := procCPU(os.Getpid())
	if err != nil {
		return result{}, err
	}
	r := cl.runRequest(ctx, req, d, tail)
	self1, err := procCPU(os.Getpid())
	if err != nil {
		return result{}, err
	}
	if srv.settle > 0 {
		time.Sleep(srv.settle)
	}
	c1, err := srv.cpu()
	if err != nil {
		return result{}, err
	}
	r.cpu, r.client = c1-c0, self1-self0
	if srv.pg != nil {
		if pg1, err = srv.pg.snapshot(ctx); err != nil {
			return result{}, err
		}
		all1 := allPostgresCPU()
		d, gone := backendDelta(pg0, pg1)
		r.pgCPU = d
		r.cpu += d
		logf("%s: PostgreSQL: %d backends of the server, %.3f ms CPU/req (every postgres process: %.3f ms/req)%s",
			name, len(pg1), r.pgPerRequest(), perRequest(all1-all0, r.requests), goneNote(gone))
	}
	if r.errors > 0 {
		logf("%s: %d errors, the first: %v", name, r.errors, r.firstErr)
	}
	if r.requests == 0 {
		// Without tail, requests slower than the run are not counted:
		// say so rather than print zeros as if they were figures.
		logf("%s: no request completed within %s: its figures are empty (a longer -duration, or -random, which counts them)", name, d)
	}
	return r, ctx.Err()
}

func appendRound(path string, round int, name string, r result) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("rounds file: %w", err)
	}
	_, err = fmt.Fprintf(f, "%s\t%d\t%s\t%d\t%.1f\t%.3f\t%.3f\t%d\t%.4f\t%.4f\t%.4f\n", time.Now().Format(time.RFC3339), round, name,
		r.requests, r.rps(), ms(r.percentile(50)), ms(r.percentile(99)), r.errors, r.cpuPerRequest(), r.clientPerRequest(), r.pgPerRequest())
	// Close reports a failed write of the round too; the file is the result.
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("rounds file: %w", cerr)
	}
	return err
}

// median returns the middle value (the mean of the middle two for an
// even count).
func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

func goneNote(gone int) string {
	if gone == 0 {
		return ""
	}
	return fmt.Sprintf("; %d backends ended during the run, their CPU is not counted", gone)
}
