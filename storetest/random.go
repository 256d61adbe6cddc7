package storetest

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	fc "github.com/failedcheckins/failedcheckins"
)

// referenceQueries is how many random queries testReference runs.
const referenceQueries = 300

// testReference loads the 2,000-row sample and compares the store with the
// reference Search on random queries, seeded by Seed (replayable).
func testReference(t *testing.T, s fc.FailedCheckinStore) {
	sample := Sample(t)
	seed(t, s, sample)
	want := Sample(t) // fresh copies: the store must not rely on its input
	g := generator{rnd: rand.New(rand.NewPCG(Seed(t), 0x5eed)), records: want}
	for range referenceQueries {
		checkQuery(t, s, want, g.query())
		if t.Failed() {
			return // one replayable failure is enough
		}
	}
}

// generator builds random queries whose values come from the data, so
// that most conditions match something.
type generator struct {
	rnd     *rand.Rand
	records []*fc.FailedCheckin
}

func (g *generator) pick() *fc.FailedCheckin { return g.records[g.rnd.IntN(len(g.records))] }

func (g *generator) query() fc.Query {
	fields := fc.FailedCheckinFields
	q := fc.Query{
		Scope:      g.scope(),
		OrderBy:    fields[g.rnd.IntN(len(fields))],
		Descending: g.rnd.IntN(2) == 0,
		Size:       []int{1, 5, 25, 100, fc.MaxPageSize}[g.rnd.IntN(5)],
	}
	q.Page = 1 + int64(g.rnd.IntN(4))
	if g.rnd.IntN(20) == 0 {
		q.Page = math.MaxInt64 - int64(g.rnd.IntN(2))
	}
	for range g.rnd.IntN(4) {
		q.Conditions = append(q.Conditions, g.condition(fields[g.rnd.IntN(len(fields))]))
	}
	return q
}

func (g *generator) scope() fc.Scope {
	switch g.rnd.IntN(6) {
	case 0, 1, 2:
		return fc.AllBusinesses()
	case 3:
		return fc.BusinessScope(g.pick().BusinessID)
	case 4:
		return fc.BusinessScope(g.pick().BusinessID, g.pick().BusinessID, g.pick().BusinessID, 999999)
	}
	return fc.BusinessScope(999999) // a location without records
}

// condition returns a random condition of a kind that fits the field.
func (g *generator) condition(f fc.Field) fc.Condition {
	r := g.pick()
	v := fieldValue(r, f)
	switch {
	case f == fc.FieldCheckinAttemptTime || f == fc.FieldCheckinAttemptTimeLocal || f == fc.FieldCreatedOn || f == fc.FieldUpdatedOn:
		return g.timeRange(f, timeOf(r, f))
	case v.isText:
		return g.textCondition(f, v)
	}
	c := fc.Condition{Field: f, Match: fc.MatchInts, Null: g.rnd.IntN(3) == 0}
	if g.rnd.IntN(3) == 0 {
		n := fieldValue(g.pick(), f).num
		return fc.Condition{Field: f, Match: fc.MatchIntRange, Min: min(v.num, n), Max: max(v.num, n)}
	}
	for range 1 + g.rnd.IntN(3) {
		if w := fieldValue(g.pick(), f); !w.null {
			c.Ints = append(c.Ints, w.num)
		}
	}
	if !v.null {
		c.Ints = append(c.Ints, v.num)
	}
	return c
}

func (g *generator) textCondition(f fc.Field, v value) fc.Condition {
	switch g.rnd.IntN(4) {
	case 0:
		return fc.Contains(f, g.substring(v.text))
	case 1:
		other := fieldValue(g.pick(), f)
		return fc.Condition{Field: f, Match: fc.MatchEqualFold, Strings: []string{strings.ToUpper(v.text), other.text}, Null: g.rnd.IntN(2) == 0}
	case 2:
		return fc.Condition{Field: f, Match: fc.MatchExact, Strings: []string{v.text, strings.ToUpper(v.text)}}
	}
	return fc.Contains(f, strings.ToUpper(g.substring(v.text)))
}

// substring returns a random piece of s on rune boundaries.
func (g *generator) substring(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return ""
	}
	i := g.rnd.IntN(n)
	j := i + 1 + g.rnd.IntN(min(6, n-i))
	runes := []rune(s)
	return string(runes[i:j])
}

func (g *generator) timeRange(f fc.Field, t time.Time) fc.Condition {
	jitter := func() time.Duration {
		return time.Duration(g.rnd.IntN(7*24*3600))*time.Second + time.Duration(g.rnd.IntN(3))*time.Second/2
	}
	c := fc.Condition{Field: f, Match: fc.MatchTimeRange}
	switch g.rnd.IntN(3) {
	case 0:
		c.From = t.Add(-jitter())
	case 1:
		c.Until = t.Add(jitter())
	default:
		c.From, c.Until = t.Add(-jitter()), t.Add(jitter())
	}
	return c
}
