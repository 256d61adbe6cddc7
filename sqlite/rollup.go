package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlbuild"
)

// rollupKey is one row of one rollup: up to two integers, two texts and
// a day, whichever the rollup's fields use (the rest stay zero).
type rollupKey struct {
	ints  [2]int64
	texts [2]string
	day   int64
}

// rollupCounter adds up, in memory, the counts an insert transaction
// adds to every rollup (sqlbuild.Rollups), so that an import of a million
// records costs one upsert per distinct key instead of one per record and
// rollup. flush writes them in the same transaction as the records.
type rollupCounter struct {
	counts []map[rollupKey]int64 // per rollup, same index as sqlbuild.Rollups
	added  int                   // records counted since the last flush
	limit  int                   // flush after this many (flushEvery; tests use less)
}

// flushEvery bounds the memory of a large import: the counts are written
// after this many records (imports arrive mostly in time order, so the day
// buckets of two chunks barely overlap).
const flushEvery = 100_000

func newRollupCounter() *rollupCounter {
	c := &rollupCounter{counts: make([]map[rollupKey]int64, len(sqlbuild.Rollups)), limit: flushEvery}
	for i := range c.counts {
		c.counts[i] = map[rollupKey]int64{}
	}
	return c
}

// add counts one stored record.
func (c *rollupCounter) add(r *fc.FailedCheckin) {
	day := sqlbuild.DayOf(r.CheckinAttemptTime.Unix())
	for i, ru := range sqlbuild.Rollups {
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

// flushIfLarge writes the counts once flushEvery records have been added.
func (c *rollupCounter) flushIfLarge(ctx context.Context, tx *sql.Tx) error {
	if c.added < c.limit {
		return nil
	}
	return c.flush(ctx, tx)
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

// textField returns a text rollup field; sqlbuild's rollups use only
// these.
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
	panic(fmt.Sprintf("sqlite: rollup field %q has no value", f)) // a rollup added in sqlbuild without its value here
}

// flush upserts every counted key into its rollup.
func (c *rollupCounter) flush(ctx context.Context, tx *sql.Tx) error {
	for i, ru := range sqlbuild.Rollups {
		if len(c.counts[i]) == 0 {
			continue
		}
		stmt, err := tx.PrepareContext(ctx, ru.Upsert(sqlbuild.SQLite()))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", ru.Name, err)
		}
		for k, n := range c.counts[i] {
			if _, err := stmt.ExecContext(ctx, rollupArgs(ru, k, n)...); err != nil {
				stmt.Close()
				return fmt.Errorf("count into %s: %w", ru.Name, err)
			}
		}
		stmt.Close()
		clear(c.counts[i])
	}
	c.added = 0
	return nil
}

// rollupArgs returns the values of ru.Columns() for k, then n.
func rollupArgs(ru *sqlbuild.Rollup, k rollupKey, n int64) []any {
	var out []any
	ni, nt := 0, 0
	for _, f := range ru.Fields {
		if f == fc.FieldBusinessID || f == fc.FieldSource {
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
