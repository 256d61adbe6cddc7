package sqlstore

import (
	"context"
	"fmt"
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

// span is the intersection of a query's range conditions on one field,
// in whole Unix seconds for a time or in Ids: lo <= v < hi,
// math.MinInt64 / math.MaxInt64 when a side is open.
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
// and their intersection.
func splitAttempt(q fc.Query) (fc.Query, span) { return splitRange(q, fc.FieldCheckinAttemptTime) }

// splitRange returns q without its range conditions on f (a time, or Id)
// and their intersection. Records hold whole seconds, so time bounds round
// up as the builder's own time terms do; an Id range's Max is inclusive.
func splitRange(q fc.Query, f fc.Field) (fc.Query, span) {
	s := span{math.MinInt64, math.MaxInt64}
	var rest []fc.Condition
	for _, c := range q.Conditions {
		switch {
		case c.Field == f && c.Match == fc.MatchTimeRange:
			if !c.From.IsZero() {
				s.lo = max(s.lo, CeilUnix(c.From))
			}
			if !c.Until.IsZero() {
				s.hi = min(s.hi, CeilUnix(c.Until))
			}
		case c.Field == f && c.Match == fc.MatchIntRange:
			if c.Min != math.MinInt64 {
				s.lo = max(s.lo, c.Min)
			}
			if c.Max != math.MaxInt64 {
				s.hi = min(s.hi, c.Max+1)
			}
		default:
			rest = append(rest, c)
		}
	}
	q.Conditions = rest
	return q, s
}

// innerDays returns the days wholly inside s: [dlo, dhi). Open sides stay
// open (math.MinInt64 / math.MaxInt64).
func (s span) innerDays() (dlo, dhi int64) { return s.inner(SecondsPerDay) }

// inner returns the buckets of width w wholly inside s: [blo, bhi). Open
// sides stay open (math.MinInt64 / math.MaxInt64).
func (s span) inner(w int64) (blo, bhi int64) {
	blo, bhi = math.MinInt64, math.MaxInt64
	if s.lo != math.MinInt64 {
		blo = -floorDiv(-s.lo, w) // ceiling
	}
	if s.hi != math.MaxInt64 {
		bhi = floorDiv(s.hi, w)
	}
	return blo, bhi
}

// rollupPlan is the rollup that counts a query: its conditions other than
// the ranges on the rollup's bucket field (rest), and those ranges (s).
type rollupPlan struct {
	r    *Rollup
	rest fc.Query
	s    span
}

// pickRollup returns the first rollup of d's store that can count q: one
// without a bucket whose fields cover all of q's conditions, or one with a
// bucket whose fields cover the conditions other than the ranges on the
// bucket's field. ok is false when none can.
func pickRollup(d Dialect, q fc.Query) (p rollupPlan, ok bool) {
	for _, r := range Rollups {
		if !r.usable(d) || r.Bounds != nil || r.Zone != nil { // a zone map counts by pickZone
			continue
		}
		if r.Bucket == nil {
			if r.covers(q) {
				return rollupPlan{r, q, span{math.MinInt64, math.MaxInt64}}, true
			}
			continue
		}
		if rest, s := splitRange(q, r.Bucket.Field); r.covers(rest) {
			return rollupPlan{r, rest, s}, true
		}
	}
	return rollupPlan{}, false
}

// PlanCount returns statements that each read one count; their sum is
// the exact number of records q matches. When a rollup covers q's
// conditions, whole buckets (or everything, without a range on the
// bucket's field) are summed from the rollup and only the partial buckets
// at the edges of the range are counted from records; otherwise it is the
// one plain COUNT(*), or a zone map's counts of ranges (zone.go) when no
// rollup covers q. When both a day rollup and fc_zone could count q, run
// reads how many blocks q's ranges cut, and fc_zone counts q only if
// they are at most zoneCutMax; with run nil the rollup does. A name
// beside the ranges (zonePlan.names) is counted plainly when the range
// holds few records against the name index's seeks (chooseNames).
func PlanCount(ctx context.Context, d Dialect, run RunInts, q fc.Query) ([]Statement, error) {
	return planCount(ctx, d, run, q, nil)
}

// planCount is PlanCount given whether the name indexes count q when
// countMatching chose it already (or nil).
func planCount(ctx context.Context, d Dialect, run RunInts, q fc.Query, choice *nameChoice) ([]Statement, error) {
	p, ok := pickRollup(d, q)
	if z, zok := pickZone(d, q); zok {
		use := !ok
		if ok && z.before(p) && run != nil {
			st, err := z.cutStatement(d)
			if err != nil {
				return nil, err
			}
			var cut int64
			if err := run(ctx, st, 1, func(v []int64) bool { cut = v[0]; return false }); err != nil {
				return nil, fmt.Errorf("zone map cuts: %w", err)
			}
			use = cut <= zoneCutMax
		}
		if use && z.names != nil && choice == nil && run != nil && !z.fewNames(d) {
			c, err := z.chooseNames(ctx, d, run)
			if err != nil {
				return nil, err
			}
			choice = &c
		}
		if use && z.names != nil && choice != nil {
			use = !choice.plain
			z.complement = choice.shares.complement()
		}
		if use {
			return z.statements(d, q)
		}
	}
	if !ok || !p.s.sane() {
		st, err := countAll(d, q)
		return []Statement{st}, err
	}
	r, rest, s := p.r, p.rest, p.s
	blo, bhi := int64(math.MinInt64), int64(math.MaxInt64)
	if r.Bucket != nil {
		blo, bhi = s.inner(r.Bucket.Width)
	}
	if !s.open() && blo >= bhi {
		st, err := countAll(d, q)
		return []Statement{st}, err
	}
	sum, err := r.sum(d, rest, blo, bhi, "coalesce(sum(n), 0)", "")
	if err != nil {
		return nil, err
	}
	out := []Statement{sum}
	if r.Bucket == nil {
		return out, nil
	}
	for _, e := range edges(s, blo, bhi, r.Bucket.Width) {
		st, err := countAll(d, withRange(rest, r.Bucket.Field, e))
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// edges returns the partial buckets (of width w) of s outside [blo, bhi),
// non-empty only.
func edges(s span, blo, bhi, w int64) []span {
	var out []span
	if blo != math.MinInt64 && s.lo < blo*w {
		out = append(out, span{s.lo, blo * w})
	}
	if bhi != math.MaxInt64 && bhi*w < s.hi {
		out = append(out, span{bhi * w, s.hi})
	}
	return out
}

// countRows counts the records of rest within s (of CheckinAttemptTime).
func countRows(d Dialect, rest fc.Query, s span) (Statement, error) {
	return countAll(d, withSpan(rest, s))
}

// countAll is the plain count(*) of the records q matches.
func countAll(d Dialect, q fc.Query) (Statement, error) {
	w, args, err := failedCheckins.BuildWhere(d, q)
	return Statement{"SELECT count(*) FROM " + failedCheckins.name + w, args}, err
}

// withSpan returns q with one more condition: CheckinAttemptTime in s.
func withSpan(q fc.Query, s span) fc.Query { return withRange(q, fc.FieldCheckinAttemptTime, s) }

// withRange returns q with one more condition: f (a time, or Id) in s.
// When f has a sort index (UpdatedOn) q is also ordered by f, so that on
// SQLite the condition may use it (condition hides a sort index from
// filters on other orders): an edge of a bucket is a short stretch of it.
func withRange(q fc.Query, f fc.Field, s span) fc.Query {
	var c fc.Condition
	if f == fc.FieldID {
		c = fc.Condition{Field: f, Match: fc.MatchIntRange, Min: s.lo, Max: math.MaxInt64}
		if s.hi != math.MaxInt64 {
			c.Max = s.hi - 1
		}
	} else {
		c = fc.Condition{Field: f, Match: fc.MatchTimeRange}
		if s.lo != math.MinInt64 {
			c.From = time.Unix(s.lo, 0).UTC()
		}
		if s.hi != math.MaxInt64 {
			c.Until = time.Unix(s.hi, 0).UTC()
		}
	}
	q.Conditions = append(q.Conditions[:len(q.Conditions):len(q.Conditions)], c)
	if columnTable[f].sortIndex != "" {
		q.OrderBy = f
	}
	return q
}

// sum writes "SELECT what FROM rollup WHERE <rest> AND bucket in [dlo,
// dhi) tail".
func (r *Rollup) sum(d Dialect, rest fc.Query, dlo, dhi int64, what, tail string) (Statement, error) {
	a := &args{d: d, t: r.table}
	w, err := where(a, rest)
	if err != nil {
		return Statement{}, err
	}
	var terms []string
	if dlo != math.MinInt64 {
		terms = append(terms, r.Bucket.Column+" >= "+a.add(dlo))
	}
	if dhi != math.MaxInt64 {
		terms = append(terms, r.Bucket.Column+" < "+a.add(dhi))
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
