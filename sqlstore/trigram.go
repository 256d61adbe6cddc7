package sqlstore

import (
	"context"
	"fmt"
	"maps"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// trigramTables are, for the fields with a large dictionary, the table of
// its trigrams (SQLite, migration 0007): one row (trigram, value) per
// distinct three-byte substring of each value's folded copy, filled by a
// trigger whenever the dictionary gains a value. Every value whose folded
// copy contains a needle of three bytes or more holds each of the
// needle's trigrams, so the values listed under any one of them include
// all the matches; the substring test still runs on each, so the answer
// stays exact. The 13,046 distinct names of the 1M bench data hold
// 135,835 (trigram, name) rows; q2's needle "smith" is narrowed to the
// 120 names under "ith" instead of testing all 13,046.
var trigramTables = map[fc.Field]string{
	fc.FieldCoworkerFullName: "fc_name_trigram",
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

// needleTrigrams returns up to maxTrigramsTried distinct three-byte
// substrings of needle, spread over its length (first and last included).
func needleTrigrams(needle string) [][]byte {
	n := len(needle) - 2
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
		t := needle[at : at+3]
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
		table := trigramTables[c.Field]
		if c.Match != fc.MatchContains || table == "" || len(c.Strings) != 1 {
			continue
		}
		key := trigramKey{c.Field, fc.Fold(c.Strings[0])}
		tris := needleTrigrams(key.needle)
		if len(tris) == 0 {
			continue
		}
		if _, done := d.picked[key]; done {
			continue
		}
		counts := make([]string, len(tris))
		args := make([]any, len(tris))
		for i, t := range tris {
			counts[i] = fmt.Sprintf("(SELECT count(*) FROM (SELECT 1 FROM %s WHERE trigram = ? LIMIT %d))", table, maxTrigramValues)
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
		if err != nil {
			return d, fmt.Errorf("trigrams: %w", err)
		}
		if best >= 0 {
			d.picked = maps.Clone(d.picked)
			if d.picked == nil {
				d.picked = map[trigramKey][]byte{}
			}
			d.picked[key] = tris[best]
		}
	}
	return d, nil
}
