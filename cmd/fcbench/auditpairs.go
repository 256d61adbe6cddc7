package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
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

// runAuditPairs measures shapes on an audit-off and an audit-on server of
// -db, alternated over -audit-pairs rounds (the comment above), after
// checking that each server is what it is meant to be
// (failedcheckins_audit_enabled on its /metrics), and prints the table.
func runAuditPairs(ctx context.Context, c config, shapes []shape) error {
	ensureUser(ctx, c.bin, c.db)
	type half struct {
		name    string
		index   int // in cpu and halves: 0 off, 1 on
		srv     *server
		cl      *client
		tokenOf func(shape) string
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
		// A binary that ignores the switch (built before it) would
		// measure on against on, and a ratio near 1 would read as a pass.
		if err := checkAuditEnabled(srv.base, name == "on"); err != nil {
			return fmt.Errorf("the audit-%s server: %w (see %s)", name, err, srv.log.Name())
		}
		srv.settle = auditSettle
		tokenOf, err := shapeTokens(ctx, c, srv, shapes) // q7 and the like are a manager's
		if err != nil {
			return fmt.Errorf("the audit-%s server: %w", name, err)
		}
		halves[i] = half{name, i, srv, newClient(srv.base, tok, c.conns), tokenOf}
	}
	for _, h := range halves {
		if _, err := checkTotals(ctx, h.cl, shapes, h.tokenOf, c.check); err != nil {
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
				name := s.name + "/" + h.name
				r, err := measureShape(ctx, c, h.srv, h.cl, h.tokenOf, round, name, s)
				if err != nil {
					return err
				}
				if r.errors > 0 {
					return fmt.Errorf("%s: %d errors, the first: %v", name, r.errors, r.firstErr)
				}
				per[name] = append(per[name], r)
				cpu[h.index] = r.cpuPerRequest()
				logf("round %d %s: %.0f rps, %.4f ms CPU/req (PostgreSQL backends %.4f), client %.4f ms CPU/req",
					round, name, r.rps(), r.cpuPerRequest(), r.pgPerRequest(), r.clientPerRequest())
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

// auditEnabledGauge is the series serve reports on /metrics: 1 when it
// audits, 0 with the benchmark-only switch (api/metrics.go).
const auditEnabledGauge = "failedcheckins_audit_enabled"

// checkAuditEnabled reads auditEnabledGauge from the server at base (its
// /metrics answers loopback without credentials) and returns an error
// unless it says on (1) or off (0) as wanted, or when the server does not
// report it at all.
func checkAuditEnabled(base string, on bool) error {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return fmt.Errorf("read /metrics: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return fmt.Errorf("read /metrics: HTTP %d, %v", resp.StatusCode, err)
	}
	want := map[bool]string{true: "1", false: "0"}[on]
	for line := range strings.Lines(string(body)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), auditEnabledGauge+" "); ok {
			if v != want {
				return fmt.Errorf("%s is %s; want %s (the audit %s)", auditEnabledGauge, v, want, map[bool]string{true: "on", false: "off"}[on])
			}
			return nil
		}
	}
	return fmt.Errorf("/metrics has no %s: a binary too old for -audit-pairs (it may ignore %s)", auditEnabledGauge, auditOffEnv)
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
