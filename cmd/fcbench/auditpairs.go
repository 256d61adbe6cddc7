package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"
)

// The audit-pairs benchmark (issue 16, PRIVACY.md section 1: auditing
// costs at most 10% of the CPU per search request). Two servers of the
// same binary serve the same database at once, one with the audit trail
// off (the benchmark-only switch of serve, auditOffEnv) and one with it
// on; each shape is measured on both in every round, the order alternating
// round by round (off first, then on first), so that the drift of a shared
// machine's load falls alike on both. The figure is the median over the
// rounds of the ratio on/off of server CPU per request (on PostgreSQL the
// server's backends included, where the audit's INSERTs run).
//
// One database for both, not two copies: the off server reads the same
// pages, and the same write-ahead log the on server's audit rows grow,
// as the off and on halves of BenchmarkAuditPairs (api) do.

// auditOffEnv is serve's benchmark-only switch (cmd/failedcheckins/audit.go).
const auditOffEnv = "FAILEDCHECKINS_BENCHMARK_AUDIT_OFF=benchmark-only"

// auditSettle is how long a measurement waits after its load before it
// reads the server's CPU: the audit's batch delay (200 ms) and its write.
const auditSettle = 600 * time.Millisecond

func runAuditPairs(ctx context.Context, c config, shapes []shape) error {
	ensureUser(ctx, c.bin, c.db)
	type half struct {
		name string
		srv  *server
		cl   *client
	}
	var halves [2]half
	for i, name := range []string{"off", "on"} {
		var env []string
		if name == "off" {
			env = []string{auditOffEnv}
		}
		srv, tok, stop, err := startMeasuredAs(ctx, c, serverAppName+"-audit-"+name, true, "fcbench-server-audit-"+name+".log", env...)
		if err != nil {
			return fmt.Errorf("the audit-%s server: %w", name, err)
		}
		defer stop()
		srv.settle = auditSettle
		halves[i] = half{name, srv, newClient(srv.base, tok, c.conns)}
	}
	for _, h := range halves {
		if _, err := checkTotals(ctx, h.cl, shapes, func(shape) string { return "" }, c.check); err != nil {
			return fmt.Errorf("the audit-%s server: %w", h.name, err)
		}
	}
	ratios := map[string][]float64{}
	per := map[string][]result{} // by shape/half
	for round := 1; round <= c.auditPairs; round++ {
		order := []half{halves[0], halves[1]}
		if round%2 == 0 {
			order[0], order[1] = order[1], order[0]
		}
		for _, s := range shapes {
			var cpu [2]float64
			for _, h := range order {
				req := buildRequest(h.cl.host, s.path, h.cl.token)
				name := s.name + "/" + h.name
				r, err := measureOnce(ctx, h.srv, h.cl, name, req, c.warmup, c.duration, false)
				if err != nil {
					return err
				}
				if r.errors > 0 {
					return fmt.Errorf("%s: %d errors, the first: %v", name, r.errors, r.firstErr)
				}
				per[name] = append(per[name], r)
				cpu[map[string]int{"off": 0, "on": 1}[h.name]] = r.cpuPerRequest()
				logf("round %d %s: %.0f rps, %.4f ms CPU/req (PostgreSQL backends %.4f), client %.4f ms CPU/req",
					round, name, r.rps(), r.cpuPerRequest(), r.pgPerRequest(), r.clientPerRequest())
				if err := appendRound(c.out, round, name, r); err != nil {
					return err
				}
			}
			if cpu[0] > 0 {
				ratios[s.name] = append(ratios[s.name], cpu[1]/cpu[0])
				logf("round %d %s: on/off %.3f", round, s.name, cpu[1]/cpu[0])
			}
		}
	}
	printAuditPairs(c, shapes, per, ratios)
	return nil
}

// printAuditPairs writes the markdown table of the audit pairs: per shape
// the median CPU per request of each half and every round's ratio.
func printAuditPairs(c config, shapes []shape, per map[string][]result, ratios map[string][]float64) {
	host, _ := os.Hostname()
	fmt.Printf("\nfcbench -audit-pairs: db %s, %d connections, %s after %s warm-up, %d alternated rounds, %d CPUs, host %s\n\n",
		c.db, c.conns, c.duration, c.warmup, c.auditPairs, runtime.NumCPU(), host)
	fmt.Println("| shape | rps off | rps on | server CPU ms/req off | on | PostgreSQL backends ms/req off | on | on/off per round | median on/off |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
	for _, s := range shapes {
		off, on := per[s.name+"/off"], per[s.name+"/on"]
		rounds := ""
		for i, r := range ratios[s.name] {
			if i > 0 {
				rounds += " "
			}
			rounds += fmt.Sprintf("%.3f", r)
		}
		m := 0.0
		if len(ratios[s.name]) > 0 {
			m = median(ratios[s.name])
		}
		fmt.Printf("| %s | %.0f | %.0f | %.4f | %.4f | %.4f | %.4f | %s | **%.3f** |\n", s.name,
			medianOf(off, result.rps), medianOf(on, result.rps), medianOf(off, result.cpuPerRequest), medianOf(on, result.cpuPerRequest),
			medianOf(off, result.pgPerRequest), medianOf(on, result.pgPerRequest), rounds, m)
	}
	fmt.Println("\n(median on/off: the median of the rounds' ratios; with an even count, the mean of the middle two)")
}
