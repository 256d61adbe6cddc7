package main

import (
	"os"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// TestShapes: every shape's store query builds (so the floor measures the
// same search), names are unique, and a list selects by name.
func TestShapes(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range append(benchShapes(), extraShapes()...) {
		if seen[s.name] {
			t.Errorf("shape %s appears twice", s.name)
		}
		seen[s.name] = true
		if s.query.Size == 0 {
			continue
		}
		if _, err := sqlbuild.BuildFind(sqlbuild.SQLite(), s.query); err != nil {
			t.Errorf("shape %s: BuildFind error %v", s.name, err)
		}
	}
	got, err := selectShapes("q2, x1-name-sort")
	if err != nil || len(got) != 2 || got[0].name != "q2" || got[1].name != "x1-name-sort" {
		t.Errorf("selectShapes = %v, %v; want q2 and x1-name-sort", got, err)
	}
	if _, err := selectShapes("q9"); err == nil {
		t.Error("selectShapes(q9) error = nil; want an unknown shape error")
	}
}

// TestFigures: percentiles index the sorted latencies, median takes the
// lower middle, CPU per request is in milliseconds.
func TestFigures(t *testing.T) {
	r := result{requests: 4, cpu: 2 * time.Millisecond, lats: []time.Duration{1, 2, 3, 100}}
	if got := r.percentile(50); got != 2 {
		t.Errorf("percentile(50) = %v; want 2", got)
	}
	if got := r.percentile(100); got != 100 {
		t.Errorf("percentile(100) = %v; want 100", got)
	}
	if got := r.cpuPerRequest(); got != 0.5 {
		t.Errorf("cpuPerRequest = %v; want 0.5", got)
	}
	if got := median([]float64{3, 1, 2, 4}); got != 2 {
		t.Errorf("median = %v; want 2", got)
	}
}

// TestServerCPU reads this process's own /proc entry through the same
// parser the tool uses for the server.
func TestServerCPU(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) { // burn some CPU so the figure is above zero
	}
	cpu, err := procCPU(os.Getpid())
	if err != nil || cpu <= 0 {
		t.Errorf("procCPU(self) = %v, %v; want a positive duration, nil", cpu, err)
	}
}
