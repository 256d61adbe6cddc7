package sqlstore

import (
	"math"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Statement is one SQL statement with its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// span is the intersection of a query's CheckinAttemptTime ranges in
// whole Unix seconds: lo <= t < hi, math.MinInt64 / math.MaxInt64 when a
// side is open.
type span struct{ lo, hi int64 }

func (s span) open() bool { return s.lo == math.MinInt64 && s.hi == math.MaxInt64 }

// maxSane bounds the times a plan works with (about year 30,000 000), so
// day arithmetic cannot overflow; a query beyond it is counted plainly.
const maxSane = 1 << 50

func (s span) sane() bool {
	ok := func(v int64) bool { return v == math.MinInt64 || v == math.MaxInt64 || (v > -maxSane && v < maxSane) }
	return ok(s.lo) && ok(s.hi)
}

// splitAttempt returns q without its CheckinAttemptTime range conditions
// and their intersection. Records hold whole seconds, so bounds round up
// as the builder's own time terms do.
func splitAttempt(q fc.Query) (fc.Query, span) {
	s := span{math.MinInt64, math.MaxInt64}
	var rest []fc.Condition
	for _, c := range q.Conditions {
		if c.Field != fc.FieldCheckinAttemptTime || c.Match != fc.MatchTimeRange {
			rest = append(rest, c)
			continue
		}
		if !c.From.IsZero() {
			s.lo = max(s.lo, CeilUnix(c.From))
		}
		if !c.Until.IsZero() {
			s.hi = min(s.hi, CeilUnix(c.Until))
		}
	}
	q.Conditions = rest
	return q, s
}

// innerDays returns the days wholly inside s: [dlo, dhi). Open sides stay
// open (math.MinInt64 / math.MaxInt64).
func (s span) innerDays() (dlo, dhi int64) {
	dlo, dhi = math.MinInt64, math.MaxInt64
	if s.lo != math.MinInt64 {
		dlo = -DayOf(-s.lo) // ceiling
	}
	if s.hi != math.MaxInt64 {
		dhi = DayOf(s.hi)
	}
	return dlo, dhi
}

// pickRollup returns the first rollup that can count rest over s (with
// day buckets when s is bounded), or nil.
func pickRollup(rest fc.Query, s span) *Rollup {
	for _, r := range Rollups {
		if r.covers(rest) && (s.open() || r.ByDay) {
			return r
		}
	}
	return nil
}

// PlanCount returns statements that each read one count; their sum is
// the exact number of records q matches. When a rollup covers q's
// conditions, whole days (or everything, without a time range) are summed
// from the rollup and only the partial days at the edges of a time range
// are counted from records; otherwise it is the one plain COUNT(*).
func PlanCount(d Dialect, q fc.Query) ([]Statement, error) {
	rest, s := splitAttempt(q)
	r := pickRollup(rest, s)
	dlo, dhi := s.innerDays()
	if r == nil || !s.sane() || (!s.open() && dlo >= dhi) {
		st, err := countAll(d, q)
		return []Statement{st}, err
	}
	sum, err := r.sum(d, rest, dlo, dhi, "coalesce(sum(n), 0)", "")
	if err != nil {
		return nil, err
	}
	out := []Statement{sum}
	for _, e := range edges(s, dlo, dhi) {
		st, err := countRows(d, rest, e)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// edges returns the partial days of s outside [dlo, dhi), non-empty only.
func edges(s span, dlo, dhi int64) []span {
	var out []span
	if dlo != math.MinInt64 && s.lo < dlo*SecondsPerDay {
		out = append(out, span{s.lo, dlo * SecondsPerDay})
	}
	if dhi != math.MaxInt64 && dhi*SecondsPerDay < s.hi {
		out = append(out, span{dhi * SecondsPerDay, s.hi})
	}
	return out
}

// countRows counts the records of rest within s.
func countRows(d Dialect, rest fc.Query, s span) (Statement, error) {
	return countAll(d, withSpan(rest, s))
}

// countAll is the plain count(*) of the records q matches.
func countAll(d Dialect, q fc.Query) (Statement, error) {
	w, args, err := failedCheckins.BuildWhere(d, q)
	return Statement{"SELECT count(*) FROM " + failedCheckins.name + w, args}, err
}

// withSpan returns q with one more condition: CheckinAttemptTime in s.
func withSpan(q fc.Query, s span) fc.Query {
	c := fc.Condition{Field: fc.FieldCheckinAttemptTime, Match: fc.MatchTimeRange}
	if s.lo != math.MinInt64 {
		c.From = time.Unix(s.lo, 0).UTC()
	}
	if s.hi != math.MaxInt64 {
		c.Until = time.Unix(s.hi, 0).UTC()
	}
	q.Conditions = append(q.Conditions[:len(q.Conditions):len(q.Conditions)], c)
	return q
}

// sum writes "SELECT what FROM rollup WHERE <rest> AND day in [dlo, dhi)
// tail".
func (r *Rollup) sum(d Dialect, rest fc.Query, dlo, dhi int64, what, tail string) (Statement, error) {
	a := &args{d: d, t: r.table}
	w, err := where(a, rest)
	if err != nil {
		return Statement{}, err
	}
	var terms []string
	if dlo != math.MinInt64 {
		terms = append(terms, "day >= "+a.add(dlo))
	}
	if dhi != math.MaxInt64 {
		terms = append(terms, "day < "+a.add(dhi))
	}
	if len(terms) > 0 {
		if w == "" {
			w = " WHERE "
		} else {
			w += " AND "
		}
		w += strings.Join(terms, " AND ")
	}
	return Statement{"SELECT " + what + " FROM " + r.Name + w + tail, a.vals}, nil
}

// ImpliedBusinesses returns the statement listing the business ids whose
// names pass q's conditions on BusinessName (read from the per-business
// rollup), or false when q has none. Every record q matches has one of
// those ids, so adding BusinessId IN (ids) to q changes no answer, and it
// lets the indexes and rollups keyed by business serve a name filter.
func ImpliedBusinesses(d Dialect, q fc.Query) (Statement, bool, error) {
	var conds []fc.Condition
	for _, c := range q.Conditions {
		if c.Field == fc.FieldBusinessName {
			conds = append(conds, c)
		}
	}
	if len(conds) == 0 {
		return Statement{}, false, nil
	}
	st, err := businessRollup.sum(d, fc.Query{Scope: q.Scope, Conditions: conds}, math.MinInt64, math.MaxInt64, "DISTINCT business_id", "")
	return st, true, err
}
