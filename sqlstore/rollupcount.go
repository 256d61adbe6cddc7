package sqlstore

import (
	"fmt"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// rollupKey is one row of one rollup: up to two integers, two texts and
// a day, whichever the rollup's fields use (the rest stay zero).
type rollupKey struct {
	ints  [2]int64
	texts [2]string
	day   int64
}

// RollupCounts adds up, in memory, what a batch of inserted records adds
// to every rollup, so that an import of a million records costs one
// upsert per distinct key instead of one per record and rollup. The store
// writes them (Flush) in the transaction that inserted the records.
type RollupCounts struct {
	counts []map[rollupKey]int64 // per rollup, same index as Rollups
	added  int
}

// NewRollupCounts returns empty counts.
func NewRollupCounts() *RollupCounts {
	c := &RollupCounts{counts: make([]map[rollupKey]int64, len(Rollups))}
	for i := range c.counts {
		c.counts[i] = map[rollupKey]int64{}
	}
	return c
}

// Added is the number of records added since the last Flush.
func (c *RollupCounts) Added() int { return c.added }

// Add counts one stored record.
func (c *RollupCounts) Add(r *fc.FailedCheckin) {
	day := DayOf(r.CheckinAttemptTime.Unix())
	for i, ru := range Rollups {
		var k rollupKey
		ni, nt := 0, 0
		for _, f := range ru.Fields {
			if v, ok := intField(r, f); ok {
				k.ints[ni], ni = v, ni+1
			} else {
				k.texts[nt], nt = textField(r, f), nt+1
			}
		}
		if ru.ByDay {
			k.day = day
		}
		if _, ok := c.counts[i][k]; !ok {
			// A record's texts may share one allocation with its whole CSV
			// line: copy them so the map does not keep every line alive.
			k.texts[0], k.texts[1] = strings.Clone(k.texts[0]), strings.Clone(k.texts[1])
		}
		c.counts[i][k]++
	}
	c.added++
}

// Flush calls upsert with each rollup and the arguments of its Upsert
// statement for every counted key, then forgets the counts.
func (c *RollupCounts) Flush(upsert func(ru *Rollup, args []any) error) error {
	for i, ru := range Rollups {
		for k, n := range c.counts[i] {
			if err := upsert(ru, ru.args(k, n)); err != nil {
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
		clear(c.counts[i])
	}
	c.added = 0
	return nil
}

// args returns the values of ru.Columns() for k, then n.
func (ru *Rollup) args(k rollupKey, n int64) []any {
	var out []any
	ni, nt := 0, 0
	for _, f := range ru.Fields {
		if isInt(columnTable[f].kind) {
			out, ni = append(out, k.ints[ni]), ni+1
			continue
		}
		out, nt = append(out, k.texts[nt], fc.Fold(k.texts[nt])), nt+1
	}
	if ru.ByDay {
		out = append(out, k.day)
	}
	return append(out, n)
}

// intField returns an integer rollup field, or false for a text one.
func intField(r *fc.FailedCheckin, f fc.Field) (int64, bool) {
	switch f {
	case fc.FieldBusinessID:
		return r.BusinessID, true
	case fc.FieldSource:
		return int64(r.Source), true
	}
	return 0, false
}

// textField returns a text rollup field. Rollups only use these fields
// (TestRollupFieldsHaveValues).
func textField(r *fc.FailedCheckin, f fc.Field) string {
	switch f {
	case fc.FieldBusinessName:
		return r.BusinessName
	case fc.FieldCoworkerFullName:
		return r.CoworkerFullName
	case fc.FieldTeams:
		return r.Teams
	case fc.FieldTariff:
		return r.Tariff
	case fc.FieldDescription:
		return r.Description
	}
	return ""
}
