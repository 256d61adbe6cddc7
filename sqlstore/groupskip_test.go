package sqlstore

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestGroupPage pins where groupPage starts a deep page ordered by a
// field of few values, from the rollup's counts of each value (stubbed
// here: three descriptions holding 3,000, 2,000 and 5,000 matches of
// 6,000, 2,000 and 10,000 records): the group holding the page's first
// record and the matches of it before the page, or, read backward, the
// group holding its last record and the matches of it after the page;
// pages straddling two groups, in the last group, past the counts, and
// both directions. On both stores the page is one statement whose cut is
// the group's position among the rollup's values.
func TestGroupPage(t *testing.T) {
	groups := [][]int64{{3000, 6000}, {2000, 2000}, {5000, 10000}}
	total := int64(10000)
	tests := []struct {
		name         string
		desc         bool
		offset, size int64
		ok           bool
		cut          int64 // ascending position of the cut's group
		left         int64 // the page's OFFSET within the cut
		limit        int64
		reversed     bool
		op           string
	}{
		// Offset 2,990 is the 10 last matches of the first group: read
		// backward from its end.
		{name: "end of the first group", offset: 2990, size: 10, ok: true, cut: 0, left: 0, limit: 10, reversed: true, op: " <= "},
		// Straddling the first two groups: forward from the first would
		// pass 2,995 matches (each 2 records), backward from the end of
		// the second 1,995 (each 1 record).
		{name: "straddling two groups", offset: 2995, size: 10, ok: true, cut: 1, left: 1995, limit: 10, reversed: true, op: " <= "},
		{name: "start of the second group", offset: 3000, size: 10, ok: true, cut: 1, left: 0, limit: 10, op: " >= "},
		{name: "inside the last group", offset: 6000, size: 25, ok: true, cut: 2, left: 1000, limit: 25, op: " >= "},
		{name: "the last page, cut short", offset: 9995, size: 25, ok: true, cut: 2, left: 0, limit: 5, reversed: true, op: " <= "},
		{name: "descending: the last group first", desc: true, offset: 4990, size: 20, ok: true, cut: 1, left: 1990, limit: 20, reversed: true, op: " >= "},
		{name: "descending: inside the middle group", desc: true, offset: 5100, size: 10, ok: true, cut: 1, left: 100, limit: 10, op: " <= "},
		{name: "descending: the first group last", desc: true, offset: 7100, size: 10, ok: true, cut: 0, left: 100, limit: 10, op: " <= "},
		{name: "shallow: no skip", offset: 999, size: 10},
		{name: "past the counts", offset: 10000, size: 10},
	}
	for _, d := range []Dialect{SQLite(), PostgreSQL()} {
		for _, tt := range tests {
			q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldSource, 2)},
				OrderBy: fc.FieldDescription, Descending: tt.desc, Size: int(tt.size)}
			run := func(_ context.Context, st Statement, width int, row func([]int64) bool) error {
				switch {
				case strings.Contains(st.SQL, "GROUP BY description_fold"):
					for _, g := range groups {
						if !row(g) {
							break
						}
					}
				default: // the table's records
					row([]int64{18000})
				}
				return nil
			}
			st, reversed, ok, err := groupPage(context.Background(), d, run, q, tt.offset, tt.size, total)
			if err != nil || ok != tt.ok {
				t.Errorf("%s: groupPage = %v, %v; want ok %v", tt.name, ok, err, tt.ok)
				continue
			}
			if !ok {
				continue
			}
			n := len(st.Args)
			// The cut's position, the Source, the limit and the offset.
			if n != 4 || st.Args[0] != tt.cut || st.Args[2] != tt.limit || st.Args[3] != tt.left || reversed != tt.reversed {
				t.Errorf("%s: groupPage args %v reversed %v; want cut %d, limit %d, offset %d, reversed %v", tt.name, st.Args, reversed, tt.cut, tt.limit, tt.left, tt.reversed)
			}
			if !strings.Contains(st.SQL, "description_fold"+tt.op+"(SELECT description_fold FROM fc_count_source_tariff_description GROUP BY description_fold ORDER BY description_fold LIMIT 1 OFFSET ") {
				t.Errorf("%s: groupPage statement %s; want the cut %q", tt.name, st.SQL, tt.op)
			}
			order := " ORDER BY description_fold ASC, id ASC"
			if tt.desc != tt.reversed {
				order = " ORDER BY description_fold DESC, id DESC"
			}
			if !strings.Contains(st.SQL, order) {
				t.Errorf("%s: groupPage statement %s; want %q", tt.name, st.SQL, order)
			}
		}
	}
}

// TestZoneSkip pins where zoneSkip starts a deep page in Id order: the
// zone map's blocks (stubbed: blocks 10, 11 and 12 holding 1,000, 24
// and 1,024 matches) are visited in the page's order until the one
// holding the match at the offset, whose first Id (its last,
// descending) then bounds the page, with the offset left within it;
// past the blocks, or shallow, there is no skip.
func TestZoneSkip(t *testing.T) {
	blocks := [][]int64{{10, 1000}, {11, 24}, {12, 1024}}
	created := fc.TimeRange(fc.FieldCreatedOn, time.Unix(1e9, 0), time.Time{})
	tests := []struct {
		name     string
		desc     bool
		offset   int64
		ok       bool
		min, max int64
		left     int64
	}{
		{name: "the first match of the second block", offset: 1000, ok: true, min: 11 * 1024, max: math.MaxInt64, left: 0},
		{name: "the last match of the second block", offset: 1023, ok: true, min: 11 * 1024, max: math.MaxInt64, left: 23},
		{name: "the first match of the last block", offset: 1024, ok: true, min: 12 * 1024, max: math.MaxInt64, left: 0},
		{name: "the last match", offset: 2047, ok: true, min: 12 * 1024, max: math.MaxInt64, left: 1023},
		{name: "past the end", offset: 2048},
		{name: "shallow", offset: 999},
		{name: "descending: the last block first", desc: true, offset: 1023, ok: true, min: math.MinInt64, max: 12*1024 + 1023, left: 1023},
		{name: "descending: then the second", desc: true, offset: 1024, ok: true, min: math.MinInt64, max: 11*1024 + 1023, left: 0},
		{name: "descending: then the first", desc: true, offset: 1048, ok: true, min: math.MinInt64, max: 10*1024 + 1023, left: 0},
	}
	for _, tt := range tests {
		for _, order := range []fc.Field{fc.FieldID, fc.FieldIsNew} {
			q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{created}, OrderBy: order, Descending: tt.desc, Size: 10}
			run := func(_ context.Context, st Statement, width int, row func([]int64) bool) error {
				desc := strings.HasSuffix(st.SQL, "ORDER BY id_block DESC")
				for i := range blocks {
					b := blocks[i]
					if desc {
						b = blocks[len(blocks)-1-i]
					}
					if !row(b) {
						break
					}
				}
				return nil
			}
			zq, left, ok, err := zoneSkip(context.Background(), SQLite(), run, q, tt.offset)
			if err != nil || ok != tt.ok {
				t.Errorf("%s: zoneSkip = %v, %v; want ok %v", tt.name, ok, err, tt.ok)
				continue
			}
			if !ok {
				continue
			}
			c := zq.Conditions[len(zq.Conditions)-1]
			if len(zq.Conditions) != 2 || c.Field != fc.FieldID || c.Min != tt.min || c.Max != tt.max || left != tt.left {
				t.Errorf("%s: zoneSkip = %+v, offset %d; want Id %d..%d, offset %d", tt.name, zq.Conditions, left, tt.min, tt.max, tt.left)
			}
		}
	}
	// PostgreSQL: not written for its planner (zoneSkip's comment).
	q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{created}, OrderBy: fc.FieldID, Size: 10}
	if _, _, ok, _ := zoneSkip(context.Background(), PostgreSQL(), nil, q, 5000); ok {
		t.Errorf("zoneSkip on PostgreSQL = ok; want no skip")
	}
}
