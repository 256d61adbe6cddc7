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
// a bucket, whichever the rollup's fields use (the rest stay zero).
type rollupKey struct {
	ints   [2]int64
	texts  [2]string
	bucket int64
}

// RollupCounts adds up, in memory, what a batch of inserted records adds
// to every rollup, so that an import of a million records costs one
// upsert per distinct key instead of one per record and rollup. The store
// writes them (Flush) in the transaction that inserted the records.
type RollupCounts struct {
	counts []map[rollupKey]int64 // per rollup, same index as Rollups
	// bounds are, per zone map (nil for other rollups), the smallest and
	// largest value of each of its Bounds among the records Added to a key.
	bounds []map[rollupKey]*[2 * maxBounds]int64
	added  int
}

// maxBounds is the most Bounds a zone map has.
const maxBounds = 4

// NewRollupCounts returns empty counts of the rollups d's store counts in
// Go: a rollup it lacks (the zone maps' value counts on PostgreSQL) or
// that its triggers keep alone (the zone maps there) is not counted at
// all, so no import computes keys and bounds that no flush writes.
func NewRollupCounts(d Dialect) *RollupCounts {
	c := &RollupCounts{counts: make([]map[rollupKey]int64, len(Rollups)), bounds: make([]map[rollupKey]*[2 * maxBounds]int64, len(Rollups))}
	for i, ru := range Rollups {
		if !ru.countedInGo(d) {
			continue // counts[i] stays nil: count skips it, Flush writes nothing
		}
		c.counts[i] = map[rollupKey]int64{}
		if ru.Bounds != nil {
			c.bounds[i] = map[rollupKey]*[2 * maxBounds]int64{}
		}
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

// count adds delta to every rollup key of r, which holds the values
// stored (its Id, CreatedOn and UpdatedOn too: bucketed rollups read them).
func (c *RollupCounts) count(r *fc.FailedCheckin, delta int64) {
	for i, ru := range Rollups {
		if c.counts[i] == nil { // not in this store (NewRollupCounts)
			continue
		}
		var k rollupKey
		ni, nt := 0, 0
		for _, f := range ru.Fields {
			if v, ok := intField(r, f); ok {
				k.ints[ni], ni = v, ni+1
			} else {
				k.texts[nt], nt = textField(r, f), nt+1
			}
		}
		if ru.Bucket != nil {
			k.bucket = ru.Bucket.of(r)
		}
		if _, ok := c.counts[i][k]; !ok {
			// A record's texts may share one allocation with its whole CSV
			// line: copy them so the map does not keep every line alive.
			k.texts[0], k.texts[1] = strings.Clone(k.texts[0]), strings.Clone(k.texts[1])
		}
		c.counts[i][k] += delta
		if ru.Bounds != nil && delta > 0 {
			c.widen(i, ru, k, r)
		}
	}
}

// widen takes r's values of ru's Bounds into the bounds of key k.
func (c *RollupCounts) widen(i int, ru *Rollup, k rollupKey, r *fc.FailedCheckin) {
	b := c.bounds[i][k]
	if b == nil {
		b = new([2 * maxBounds]int64)
		for j, f := range ru.Bounds {
			b[2*j], b[2*j+1] = boundValue(r, f), boundValue(r, f)
		}
		c.bounds[i][k] = b
		return
	}
	for j, f := range ru.Bounds {
		v := boundValue(r, f)
		b[2*j], b[2*j+1] = min(b[2*j], v), max(b[2*j+1], v)
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
		for _, k := range c.sortedKeys(i, ru) {
			if err := upsert(ru, c.args(i, ru, k)); err != nil {
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
		clear(c.counts[i])
		clear(c.bounds[i])
	}
	c.added = 0
	return nil
}

// sortedKeys returns the keys counted into rollup i (ru) in the order of
// its primary key.
func (c *RollupCounts) sortedKeys(i int, ru *Rollup) []rollupKey {
	keys := make([]rollupKey, 0, len(c.counts[i]))
	for k := range c.counts[i] {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, ru.compareKeys)
	return keys
}

// FlushColumns is Flush (for counts that were only Added, of rollups
// without Bounds) with each rollup's keys at once, as the arguments of
// its UpsertArrays: one slice per column, []int64 or []string, the keys
// in primary-key order, then their counts. Rollups with no key are
// skipped. The values go straight into the slices, none boxed one by one
// as Flush's arguments are: a batch of 8 attempts upserts about 25 keys.
func (c *RollupCounts) FlushColumns(upsert func(ru *Rollup, cols []any) error) error {
	for i, ru := range Rollups {
		if len(c.counts[i]) == 0 {
			continue
		}
		keys := c.sortedKeys(i, ru)
		cols := make([]any, 0, 2*len(ru.Fields)+2)
		ni, nt := 0, 0
		for _, f := range ru.Fields {
			if isInt(columnTable[f].kind) {
				col := make([]int64, len(keys))
				for j, k := range keys {
					col[j] = k.ints[ni]
				}
				cols, ni = append(cols, col), ni+1
				continue
			}
			col, fold := make([]string, len(keys)), make([]string, len(keys))
			for j, k := range keys {
				col[j], fold[j] = k.texts[nt], fc.Fold(k.texts[nt])
			}
			cols, nt = append(cols, col, fold), nt+1
		}
		ns := make([]int64, len(keys))
		var buckets []int64
		if ru.Bucket != nil {
			buckets = make([]int64, len(keys))
		}
		for j, k := range keys {
			ns[j] = c.counts[i][k]
			if buckets != nil {
				buckets[j] = k.bucket
			}
		}
		if buckets != nil {
			cols = append(cols, buckets)
		}
		if err := upsert(ru, append(cols, ns)); err != nil {
			return fmt.Errorf("count into %s: %w", ru.Name, err)
		}
		clear(c.counts[i])
		clear(c.bounds[i])
	}
	c.added = 0
	return nil
}

// compareKeys orders two keys of ru as its primary key does: each field in
// turn (an integer numerically, a text by its bytes, SQLite's BINARY
// collation), then the bucket.
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
	return cmp.Compare(a.bucket, b.bucket)
}

// WriteChanges writes counts that were Added and Removed in tx: a key
// whose count grew is upserted as Flush does, one that shrank is
// decremented and its row deleted when it reaches 0, so the dictionaries
// (the distinct values of a field) list only values some record has. The
// counts are forgotten afterwards.
func (c *RollupCounts) WriteChanges(ctx context.Context, d Dialect, tx Tx) error {
	for i, ru := range Rollups {
		if !ru.countedInGo(d) {
			clear(c.counts[i])
			clear(c.bounds[i])
			continue
		}
		for k, n := range c.counts[i] {
			var err error
			switch {
			case n > 0:
				_, err = tx.Exec(ctx, ru.Upsert(d), c.args(i, ru, k)...)
			case c.bounds[i][k] != nil:
				// A zone map's key that records were rewritten into (and
				// out of): its bounds widen and n falls by the net count,
				// then the row goes if that was all its records. The row
				// exists: the records taken out of the key were in it.
				if _, err = tx.Exec(ctx, ru.Upsert(d), c.args(i, ru, k)...); err == nil && n < 0 {
					_, empty := ru.decrement(d)
					_, err = tx.Exec(ctx, empty, ru.keyArgs(k)...)
				}
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
		clear(c.bounds[i])
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
	if ru.Bucket != nil {
		key = append(key, ru.Bucket.Column)
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
// column, then the bucket's), in the order of decrement's statements.
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
	if ru.Bucket != nil {
		out = append(out, k.bucket)
	}
	return out
}

// args returns the values of ru.Columns() for key k of rollup i, then its
// count.
func (c *RollupCounts) args(i int, ru *Rollup, k rollupKey) []any {
	out := ru.keyColumnArgs(k)
	if ru.Bounds != nil {
		b := c.bounds[i][k]
		if b == nil { // only Removed: no bounds to widen (WriteChanges decrements instead)
			b = new([2 * maxBounds]int64)
		}
		for j := range ru.Bounds {
			out = append(out, b[2*j], b[2*j+1])
		}
	}
	return append(out, c.counts[i][k])
}

// keyColumnArgs returns the values of ru.Columns() for k up to its bucket.
func (ru *Rollup) keyColumnArgs(k rollupKey) []any {
	var out []any
	ni, nt := 0, 0
	for _, f := range ru.Fields {
		if isInt(columnTable[f].kind) {
			out, ni = append(out, k.ints[ni]), ni+1
			continue
		}
		out, nt = append(out, k.texts[nt], fc.Fold(k.texts[nt])), nt+1
	}
	if ru.Bucket != nil {
		out = append(out, k.bucket)
	}
	return out
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
	case fc.FieldMacAddresses:
		return r.MacAddresses
	}
	return ""
}
