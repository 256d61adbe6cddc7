package sqlstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
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
	c.count(r, 1)
	c.added++
}

// Remove counts one record removed: deleted, or the old version of a
// rewritten record (whose new version is Added). Counts that go below
// zero are written by WriteChanges, never by Flush.
func (c *RollupCounts) Remove(r *fc.FailedCheckin) { c.count(r, -1) }

// count adds delta to every rollup key of r.
func (c *RollupCounts) count(r *fc.FailedCheckin, delta int64) {
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
		c.counts[i][k] += delta
	}
}

// Flush (for counts that were only Added) calls upsert with each rollup and the arguments of its Upsert
// statement for every counted key, in the order of the rollup's primary key, then forgets the counts.
//
// The order is for the B-tree: a first import upserts 890,000 keys at 1M
// records (617,000 of them into fc_count_business_day_source_description),
// and keys in primary-key order append at the right edge of each table
// instead of landing on a random page (docs/benchmarks.md, issue 17's import).
func (c *RollupCounts) Flush(upsert func(ru *Rollup, args []any) error) error {
	for i, ru := range Rollups {
		keys := make([]rollupKey, 0, len(c.counts[i]))
		for k := range c.counts[i] {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, ru.compareKeys)
		for _, k := range keys {
			if err := upsert(ru, ru.args(k, c.counts[i][k])); err != nil {
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
		clear(c.counts[i])
	}
	c.added = 0
	return nil
}

// compareKeys orders two keys of ru as its primary key does: each field in
// turn (an integer numerically, a text by its bytes, SQLite's BINARY
// collation), then the day.
func (ru *Rollup) compareKeys(a, b rollupKey) int {
	ni, nt := 0, 0
	for _, f := range ru.Fields {
		var c int
		if isInt(columnTable[f].kind) {
			c, ni = cmp.Compare(a.ints[ni], b.ints[ni]), ni+1
		} else {
			c, nt = strings.Compare(a.texts[nt], b.texts[nt]), nt+1
		}
		if c != 0 {
			return c
		}
	}
	return cmp.Compare(a.day, b.day)
}

// WriteChanges writes counts that were Added and Removed in tx: a key
// whose count grew is upserted as Flush does, one that shrank is
// decremented and its row deleted when it reaches 0, so the dictionaries
// (the distinct values of a field) list only values some record has. The
// counts are forgotten afterwards.
func (c *RollupCounts) WriteChanges(ctx context.Context, d Dialect, tx Tx) error {
	for i, ru := range Rollups {
		for k, n := range c.counts[i] {
			var err error
			switch {
			case n > 0:
				_, err = tx.Exec(ctx, ru.Upsert(d), ru.args(k, n)...)
			case n < 0:
				subtract, empty := ru.decrement(d)
				key := ru.keyArgs(k)
				if _, err = tx.Exec(ctx, subtract, append([]any{-n}, key...)...); err == nil {
					_, err = tx.Exec(ctx, empty, key...)
				}
			}
			if err != nil {
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
		clear(c.counts[i])
	}
	c.added = 0
	return nil
}

// decrement returns the statement subtracting its first argument from the
// count of one key (the key columns' values follow), and the one deleting
// that key's row once its count is 0 (the key's values).
func (ru *Rollup) decrement(d Dialect) (subtract, empty string) {
	var key []string
	for _, f := range ru.Fields {
		key = append(key, columnTable[f].name)
	}
	if ru.ByDay {
		key = append(key, "day")
	}
	where := func(a *args) string {
		terms := make([]string, len(key))
		for i, col := range key {
			terms[i] = col + " = " + a.add(nil)
		}
		return strings.Join(terms, " AND ")
	}
	a := &args{d: d}
	subtract = "UPDATE " + ru.Name + " SET n = n - " + a.add(nil) + " WHERE " + where(a)
	empty = "DELETE FROM " + ru.Name + " WHERE " + where(&args{d: d}) + " AND n <= 0"
	return subtract, empty
}

// keyArgs returns the values of k's primary key columns (each field's
// column, then day when ByDay), in the order of decrement's statements.
func (ru *Rollup) keyArgs(k rollupKey) []any {
	var out []any
	ni, nt := 0, 0
	for _, f := range ru.Fields {
		if isInt(columnTable[f].kind) {
			out, ni = append(out, k.ints[ni]), ni+1
			continue
		}
		out, nt = append(out, k.texts[nt]), nt+1
	}
	if ru.ByDay {
		out = append(out, k.day)
	}
	return out
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
