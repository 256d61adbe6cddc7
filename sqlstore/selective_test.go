package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestListCountCapped: a substring listing past maxListed counts its
// records only up to the one more than all/drivenShare that makes the
// seed no driver (review finding: a full walk of the field's index, then
// a table scan anyway), and a count past that cap drops the seed.
func TestListCountCapped(t *testing.T) {
	const all = 1_000_000
	q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.Contains(fc.FieldUpdatedBy, "aa:"), fc.In(fc.FieldSource, 3)}}
	for _, tt := range []struct {
		entries int64 // records holding the substring
		driver  bool
	}{{entries: 500_000}, {entries: 20_000, driver: true}} {
		var counts []Statement
		run := func(ctx context.Context, st Statement, width int, row func([]int64) bool) error {
			switch {
			case strings.HasPrefix(st.SQL, "SELECT id FROM"):
				for i := range int64(maxListed + 1) {
					if !row([]int64{i + 1}) {
						break
					}
				}
			case strings.Contains(st.SQL, "SELECT id FROM"):
				counts = append(counts, st)
				row([]int64{min(tt.entries, st.Args[len(st.Args)-1].(int64))})
			default: // probes and rollup sums
				n := int64(all / 2) // half the records have Source 3
				if l, ok := st.Args[len(st.Args)-1].(int64); ok && strings.Contains(st.SQL, "LIMIT") {
					n = l
				}
				row([]int64{n})
			}
			return nil
		}
		sel, err := planSelection(context.Background(), SQLite(), run, q, all)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || !strings.HasSuffix(counts[0].SQL, "LIMIT ?) AS probe") || fmt.Sprint(counts[0].Args[len(counts[0].Args)-1]) != fmt.Sprint(all/drivenShare+1) {
			t.Fatalf("%d entries: counts of the listing %v; want one, capped at %d", tt.entries, counts, all/drivenShare+1)
		}
		if got := sel.driver != nil && sel.driver.listed != nil; got != tt.driver {
			t.Errorf("%d entries: the substring drives = %v; want %v", tt.entries, got, tt.driver)
		}
	}
}
