package postgres

import (
	"context"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/failedcheckins/failedcheckins/demo"
)

// BenchmarkRecordAttempts times the store alone: batches of demo attempts
// (about 43% refused) through RecordAttempts on a fresh database. ns/op
// is per attempt; so are the CPU times of the benchmark's process
// (go-cpu-us/attempt) and of the database's backends (pg-cpu-us/attempt,
// when the server runs on this machine), which drift less than the wall
// clock on a shared machine.
//
//	FAILEDCHECKINS_TEST_POSTGRES=postgres://... go test -run '^$' -bench RecordAttempts -benchtime 20000x ./postgres/
func BenchmarkRecordAttempts(b *testing.B) {
	for _, batch := range []int{8, 512} {
		b.Run(map[int]string{8: "batch-8", 512: "batch-512"}[batch], func(b *testing.B) {
			ctx := context.Background()
			db := openTest(b)
			db.SetNow(time.Now)
			d, attempts, err := demo.History(1, b.N, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			if err := db.ImportDirectory(ctx, d); err != nil {
				b.Fatal(err)
			}
			cpu := startCPU(b, db.pool)
			b.ResetTimer()
			for len(attempts) > 0 {
				n := min(batch, len(attempts))
				if _, err := db.RecordAttempts(ctx, attempts[:n]); err != nil {
					b.Fatal(err)
				}
				attempts = attempts[n:]
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "attempts/s")
			b.StopTimer()
			cpu.report(b, db.pool)
			reportResolved(b, db.pool)
		})
	}
}

// reportResolved reports the share of the refusals that a later check-in
// resolved (docs/checkins.md#did-they-get-in-anyway): how much of the
// resolution UPDATE each accepted attempt runs finds work to do.
func reportResolved(b *testing.B, pool *pgxpool.Pool) {
	var refused, resolved float64
	err := pool.QueryRow(context.Background(), `SELECT count(*), count(resolved_by_checkin_id) FROM failed_checkins`).Scan(&refused, &resolved)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(100*resolved/max(refused, 1), "%resolved")
}

// benchCPU holds the CPU times at the start of a run: the process's, and
// each backend's of the benchmark's database by pid.
type benchCPU struct {
	self     time.Duration
	backends map[int]time.Duration
}

func startCPU(b *testing.B, pool *pgxpool.Pool) *benchCPU {
	return &benchCPU{self: selfCPU(b), backends: backendCPU(b, pool)}
}

// report reports the CPU per attempt since startCPU: a backend that
// started since counts whole, one that ended is lost (the pool keeps its
// connections for the run).
func (c *benchCPU) report(b *testing.B, pool *pgxpool.Pool) {
	b.ReportMetric(float64((selfCPU(b)-c.self).Microseconds())/float64(b.N), "go-cpu-us/attempt")
	var server time.Duration
	for pid, t := range backendCPU(b, pool) {
		server += t - c.backends[pid]
	}
	if server > 0 {
		b.ReportMetric(float64(server.Microseconds())/float64(b.N), "pg-cpu-us/attempt")
	}
}

func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// backendCPU reads, from /proc, the user and system time of the backends
// connected to the pool's database; none when the server is elsewhere.
func backendCPU(b *testing.B, pool *pgxpool.Pool) map[int]time.Duration {
	rows, err := pool.Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	out := map[int]time.Duration{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			b.Fatal(err)
		}
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command, which is in parentheses: utime and
		// stime are the 12th and 13th, in clock ticks (USER_HZ, 100).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) < 13 {
			continue
		}
		utime, _ := strconv.ParseInt(f[11], 10, 64)
		stime, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = time.Duration(utime+stime) * 10 * time.Millisecond
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
