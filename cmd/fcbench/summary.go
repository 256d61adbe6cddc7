package main

import (
	"fmt"
	"os"
	"runtime"
)

// printSummary writes the markdown table: the median over rounds of each
// figure, errors summed.
func printSummary(c config, shapes []shape, results map[string][]result, floors map[string]floorResult, totals map[string]int64) {
	host, _ := os.Hostname()
	fmt.Printf("\nfcbench: db %s, %d connections, %s after %s warm-up, %d interleaved rounds (median), %d CPUs, host %s\n\n",
		c.db, c.conns, c.duration, c.warmup, c.rounds, runtime.NumCPU(), host)
	fmt.Println("| shape | TotalItems | rps | p50 ms | p99 ms | errors | server CPU ms/req | raw SQL floor ms (count + page) |")
	fmt.Println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	for _, s := range shapes {
		rs := results[s.name]
		pick := func(f func(result) float64) float64 { return medianOf(rs, f) }
		errs := 0
		for _, r := range rs {
			errs += r.errors
		}
		total := "-"
		if n := totals[s.name]; n >= 0 {
			total = fmt.Sprint(n)
		}
		floor := "-"
		if f, ok := floors[s.name]; ok {
			floor = fmt.Sprintf("%.3f", ms(f.time))
		}
		fmt.Printf("| %s | %s | %.0f | %.2f | %.2f | %d | %.3f | %s |\n", s.name, total,
			pick(result.rps), pick(func(r result) float64 { return ms(r.percentile(50)) }),
			pick(func(r result) float64 { return ms(r.percentile(99)) }), errs, pick(result.cpuPerRequest), floor)
	}
	// The load client's own CPU (this process, from /proc/self/stat), to
	// compare with the server's: both share the machine's cores.
	fmt.Print("\nload client (fcbench) CPU ms/req, median:")
	for i, s := range shapes {
		sep := ","
		if i == 0 {
			sep = ""
		}
		fmt.Printf("%s %s %.3f", sep, s.name, medianOf(results[s.name], result.clientPerRequest))
	}
	fmt.Println()
	if isPostgres(c.db) {
		fmt.Print("server CPU on PostgreSQL = the Go server + the PostgreSQL backends of its connections; the backends' part, ms/req, median:")
		for i, s := range shapes {
			sep := ","
			if i == 0 {
				sep = ""
			}
			fmt.Printf("%s %s %.3f", sep, s.name, medianOf(results[s.name], result.pgPerRequest))
		}
		fmt.Println()
	}
}

// medianOf returns the median of f over the rounds.
func medianOf(rs []result, f func(result) float64) float64 {
	if len(rs) == 0 {
		return 0
	}
	vs := make([]float64, len(rs))
	for i, r := range rs {
		vs[i] = f(r)
	}
	return median(vs)
}
