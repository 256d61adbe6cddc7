package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// trigramTables are, for the fields with a large dictionary, the table of
// the pieces of its values (SQLite): one row per distinct substring of n
// bytes of each value's folded copy, filled by a trigger whenever the
// dictionary gains a value. Every value whose folded copy contains a
// needle of n bytes or more holds each of the needle's pieces, so the
// values listed under any one of them include all the matches; the
// substring test still runs on each, so the answer stays exact. The
// 13,046 distinct names of the 1M bench data hold 135,835 (trigram, name)
// rows (migration 0007); q2's needle "smith" is narrowed to the 120 names
// under "ith" instead of testing all 13,046. The 62,297 MAC address lists
// are hexadecimal digits and colons, whose three-byte pieces each list
// 2,000-2,500 lists: theirs are four bytes (migration 0024).
var trigramTables = map[fc.Field]gramTable{
	fc.FieldCoworkerFullName: {n: 3, pieces: "fc_name_trigram", piece: "trigram",
		values: "SELECT coworker_full_name FROM fc_name_trigram WHERE trigram = %s"},
	fc.FieldMacAddresses: {n: 4, pieces: "fc_mac_gram", piece: "gram", lists: "fc_mac_list",
		values: "SELECT mac_addresses FROM fc_mac_list WHERE id IN (SELECT id FROM fc_mac_gram WHERE gram = %s)"},
}

// gramTable is the table of a dictionary's pieces.
type gramTable struct {
	n      int    // bytes per piece
	pieces string // the table of (piece, value or its list id)
	piece  string // its piece column
	// values is the subquery of the dictionary's values listed under one
	// piece (%s: its placeholder), in the dictionary's column.
	values string
	// lists, when set, is the table naming each value by an integer
	// (id, the value, its folded copy): the values holding a needle are
	// then listed once per search, as ids (resolveLists), and every
	// statement of the search seeks them instead of testing the needle
	// on the dictionary again.
	lists string
}

// trigramKey names one substring condition: its field and folded needle.
type trigramKey struct {
	field  fc.Field
	needle string
}

const (
	// maxTrigramsTried bounds the trigrams of a long needle whose
	// dictionary rows are counted to pick the rarest.
	maxTrigramsTried = 8
	// maxTrigramValues is the most values a picked trigram may list:
	// looking each one up costs several times testing it in a scan of the
	// dictionary, so a trigram shared by more (say "an ") is no help and
	// the dictionary is scanned as before.
	maxTrigramValues = 1000
)

// needleTrigrams returns up to maxTrigramsTried distinct substrings of w
// bytes of needle, spread over its length (first and last included).
func needleTrigrams(needle string, w int) [][]byte {
	n := len(needle) - w + 1
	if n < 1 {
		return nil
	}
	k := min(n, maxTrigramsTried)
	seen := map[string]bool{}
	var out [][]byte
	for i := range k {
		at := 0
		if k > 1 {
			at = i * (n - 1) / (k - 1)
		}
		t := needle[at : at+w]
		if !seen[t] {
			seen[t] = true
			out = append(out, []byte(t))
		}
	}
	return out
}

// pickTrigrams returns d with, for each substring condition of q on a
// field with a trigram table, the needle's trigram that lists the fewest
// values (when it lists fewer than maxTrigramValues), read with one
// statement per condition. Dialects without trigram tables are returned
// as they are.
func pickTrigrams(ctx context.Context, d Dialect, run RunInts, q fc.Query) (Dialect, error) {
	if !d.Trigrams {
		return d, nil
	}
	for _, c := range q.Conditions {
		table, ok := trigramTables[c.Field]
		if c.Match != fc.MatchContains || !ok || len(c.Strings) != 1 {
			continue
		}
		key := trigramKey{c.Field, fc.Fold(c.Strings[0])}
		if _, done := d.picked[key]; done {
			continue
		}
		if _, done := d.resolved[key]; done {
			continue
		}
		var pick []byte
		if tris := needleTrigrams(key.needle, table.n); len(tris) > 0 {
			var err error
			if pick, err = rarest(ctx, run, table, tris); err != nil {
				return d, err
			}
		}
		if pick != nil {
			d.picked = maps.Clone(d.picked)
			if d.picked == nil {
				d.picked = map[trigramKey][]byte{}
			}
			d.picked[key] = pick
		}
		if table.lists != "" && pick != nil {
			ids, err := resolveLists(ctx, d, run, table, key, pick)
			if err != nil {
				return d, err
			}
			if ids != nil {
				d.resolved = maps.Clone(d.resolved)
				if d.resolved == nil {
					d.resolved = map[trigramKey][]int64{}
				}
				d.resolved[key] = ids
			}
		}
	}
	return d, nil
}

// rarest returns the piece of tris (of table) that lists the fewest
// values, when it lists fewer than maxTrigramValues, or nil, with one
// statement.
func rarest(ctx context.Context, run RunInts, table gramTable, tris [][]byte) ([]byte, error) {
	counts := make([]string, len(tris))
	args := make([]any, len(tris))
	for i, t := range tris {
		counts[i] = fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM %s WHERE %s = ? LIMIT %d))", table.pieces, table.piece, maxTrigramValues)
		args[i] = t
	}
	st := Statement{SQL: "SELECT " + strings.Join(counts, ", "), Args: args}
	best := -1
	err := run(ctx, st, len(tris), func(v []int64) bool {
		for i, n := range v {
			if n < maxTrigramValues && (best < 0 || n < v[best]) {
				best = i
			}
		}
		return false
	})
	if err != nil || best < 0 {
		return nil, err
	}
	return tris[best], nil
}

// resolveLists returns the ids of the values of table.lists that hold
// key's needle, read once with one statement through its rarest piece
// tri, or nil when they are more than maxTrigramValues: the search's
// statements then test the needle on the values under the piece each
// time. A MAC substring search read fc_count_mac two or three times (its
// count, the listing of its records for the page, the exact count of a
// seed); its folded lists are the same throughout the search's one
// snapshot, so the ids stay exact. A needle without a piece under
// maxTrigramValues values is not listed: by a scan, it would cost what
// it saves (a needle of three bytes is held by about 2,400 of the 62,297
// MAC lists of the 1M bench data, one of four such as ":88:" by 2,000:
// the listing would stop past maxTrigramValues for nothing).
func resolveLists(ctx context.Context, d Dialect, run RunInts, table gramTable, key trigramKey, tri []byte) ([]int64, error) {
	a := &args{d: d}
	where := "id IN (SELECT id FROM " + table.pieces + " WHERE " + table.piece + " = " + a.add(tri) + ") AND "
	col := columnTable[key.field]
	where += substringTerm(a, col, key.needle)
	st := Statement{SQL: "SELECT id FROM " + table.lists + " WHERE " + where + " LIMIT " + a.add(int64(maxTrigramValues+1)), Args: a.vals}
	ids := []int64{}
	if err := run(ctx, st, 1, func(v []int64) bool { ids = append(ids, v[0]); return len(ids) <= maxTrigramValues }); err != nil {
		return nil, fmt.Errorf("list the values holding a needle: %w", err)
	}
	if len(ids) > maxTrigramValues {
		return nil, nil
	}
	slices.Sort(ids)
	return ids, nil
}
