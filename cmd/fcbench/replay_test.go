package main

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestReplay writes drawn shapes with writeRandomTSV, reads them back
// and checks that each asks the same request on the same TotalItems and
// the page of the same kind on other TotalItems (the replay of a 1M run
// on 10M records).
func TestReplay(t *testing.T) {
	shapes := newGenerator(1, testSample()).shapes(300)
	totals := []int64{0, 1, 7, 25, 26, 999, 1000, 1001, 86_000, 1_000_000}
	var results []randomResult
	for i, s := range shapes {
		rr := randomResult{shape: s, total: totals[i%len(totals)], r: result{requests: 1, elapsed: time.Second}}
		if i == 5 {
			rr.total, rr.err = 0, errors.New("HTTP 500")
		} else {
			rr.path = s.path(rr.total)
		}
		results = append(results, rr)
	}
	file := filepath.Join(t.TempDir(), "random.tsv")
	if err := writeRandomTSV(file, results, getOneRef{p50: 1, p99: 2, cpu: 0.1, n: 1}); err != nil {
		t.Fatal(err)
	}
	got, err := readReplay(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(shapes) {
		t.Fatalf("%d shapes read back, want %d", len(got), len(shapes))
	}
	for i, s := range shapes {
		g := got[i]
		if g.name != s.name || !slices.Equal(g.manager, s.manager) || g.size != s.size || g.page != s.page {
			t.Errorf("%s: read back as %+v, want %+v", s.name, g, s)
			continue
		}
		if g.firstPath() != s.firstPath() {
			t.Errorf("%s: first path %s, want %s", s.name, g.firstPath(), s.firstPath())
		}
		if results[i].err != nil {
			continue
		}
		if p := g.path(results[i].total); p != results[i].path {
			t.Errorf("%s: path %s on the same TotalItems, want %s", s.name, p, results[i].path)
		}
		// Ten times the records: the page keeps its kind.
		for _, other := range []int64{0, 10 * results[i].total} {
			n := pageFor(g.page, g.frac, other, g.size)
			last := max(1, (other+int64(g.size)-1)/int64(g.size))
			ok := map[pageKind]bool{pageFirst: n == 1, pageLast: n == last, pagePastEnd: n > last,
				pageMiddle: n == last || (n > 1 && n < last)}[g.page]
			if !ok {
				t.Errorf("%s: %s page on %d records is page %d (last %d)", s.name, g.page, other, n, last)
			}
		}
	}
}

func TestReplayRejects(t *testing.T) {
	for _, row := range [][]string{
		{"r001", "admin", "5", "first"},
		{"r001", "boss", "5", "first", "25", "1", "0", "1", "1", "1", "1", "1", "1", "/api/spaces/failedcheckins"},
		{"r001", "manager of 1,x", "5", "first", "25", "1", "0", "1", "1", "1", "1", "1", "1", "/api/spaces/failedcheckins"},
		{"r001", "admin", "5", "side", "25", "1", "0", "1", "1", "1", "1", "1", "1", "/api/spaces/failedcheckins"},
		{"r001", "admin", "5", "first", "0", "1", "0", "1", "1", "1", "1", "1", "1", "/api/spaces/failedcheckins"},
		{"r001", "admin", "5", "last", "25", "1", "0", "1", "1", "1", "1", "1", "1", "/api/spaces/failedcheckins?page=x"},
	} {
		if _, err := replayShape(row); err == nil {
			t.Errorf("%q: no error", row)
		}
	}
}
