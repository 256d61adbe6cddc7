package main

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverAppName is the application_name fcbench gives the server's
// PostgreSQL connections (in the DSN it passes to serve), so that the
// backends serving them can be told from every other backend.
const serverAppName = "fcbench-server"

// withAppName returns dsn (a postgres:// URL) with application_name set
// to name, and the name the backends will carry: a DSN that sets its own
// application_name keeps it unless force.
func withAppName(dsn, name string, force bool) (string, string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", fmt.Errorf("parse the PostgreSQL URL: %w", err)
	}
	q := u.Query()
	if set := q.Get("application_name"); set != "" && !force {
		return dsn, set, nil
	}
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String(), name, nil
}

// pgBackends finds the PostgreSQL backends of the server under
// measurement (by application_name in pg_stat_activity) and reads their
// CPU time from /proc: PostgreSQL runs on this machine, and its backends
// do the SQL work of each request in their own processes.
type pgBackends struct {
	db  *sql.DB
	app string
}

func openPGBackends(dsn, app string) (*pgBackends, error) {
	mon, _, err := withAppName(dsn, "fcbench-monitor", true)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("pgx", mon)
	if err != nil {
		return nil, fmt.Errorf("open the backend monitor: %w", err)
	}
	db.SetMaxOpenConns(1)
	return &pgBackends{db: db, app: app}, nil
}

func (p *pgBackends) close() { _ = p.db.Close() }

// snapshot returns the CPU time so far of each backend of the server, by
// pid.
func (p *pgBackends) snapshot(ctx context.Context) (map[int]time.Duration, error) {
	rows, err := p.db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND backend_type = 'client backend'`, p.app)
	if err != nil {
		return nil, fmt.Errorf("list the server's PostgreSQL backends: %w", err)
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		cpu, err := procCPU(pid)
		if err != nil {
			return nil, fmt.Errorf("PostgreSQL backend %d: %w (is PostgreSQL on this machine?)", pid, err)
		}
		out[pid] = cpu
	}
	return out, rows.Err()
}

// backendDelta is the CPU the backends used between two snapshots: a
// backend that appeared counts from zero, one that ended before the
// second snapshot is lost (and reported, for the log).
func backendDelta(before, after map[int]time.Duration) (d time.Duration, gone int) {
	for pid, t := range after {
		d += t - before[pid]
	}
	for pid := range before {
		if _, ok := after[pid]; !ok {
			gone++
		}
	}
	return d, gone
}

// allPostgresCPU is the CPU time so far of every process named postgres
// on the machine (backends, checkpointer, WAL writer, autovacuum, the
// postmaster) and of those that ended (parallel query workers, closed
// backends: their time moves to the postmaster's children time), a
// cross-check of the backends' figure.
func allPostgresCPU() time.Duration {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var sum time.Duration
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		if own, children, err := procTimes(pid); err == nil {
			sum += own + children
		}
	}
	return sum
}
