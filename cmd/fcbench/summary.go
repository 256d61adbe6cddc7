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
		pick := func(f func(result) float64) float64 {
			vs := make([]float64, len(rs))
			for i, r := range rs {
				vs[i] = f(r)
			}
			return median(vs)
		}
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
}
