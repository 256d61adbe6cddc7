package sqlstore

import (
	"math"

	fc "github.com/failedcheckins/failedcheckins"
)

// Seek reaches a deep page of a search ordered by CheckinAttemptTime
// without walking every record before it: the store reads the count of
// the partial day visited first (First) and the per-day counts of the
// whole days in visiting order (Days), finds the day where the page
// starts, and runs the page over the records from that day on (Cut) with
// the small offset left. Records order by (time, id), so every record
// before a day boundary comes before every record after it and the page
// is exactly the one OFFSET would give.
type Seek struct {
	First *Statement // nil when no partial day comes first
	Days  Statement  // rows (day, n)
	q     fc.Query
	desc  bool
	s     span
	dlo   int64
	dhi   int64
}

// PlanSeek returns the seek for q, or false when q is not ordered by
// CheckinAttemptTime or no rollup with day buckets covers its conditions.
func PlanSeek(d Dialect, q fc.Query) (*Seek, bool, error) {
	if q.OrderBy != fc.FieldCheckinAttemptTime {
		return nil, false, nil
	}
	rest, s := splitAttempt(q)
	var r *Rollup
	for _, c := range Rollups {
		if c.ByDay() && c.covers(rest) {
			r = c
			break
		}
	}
	dlo, dhi := s.innerDays()
	if r == nil || !s.sane() || (!s.open() && dlo >= dhi) {
		return nil, false, nil
	}
	k := &Seek{q: q, desc: q.Descending, s: s, dlo: dlo, dhi: dhi}
	first := span{s.lo, dlo * SecondsPerDay}
	if k.desc {
		first = span{dhi * SecondsPerDay, s.hi}
	}
	if (k.desc && dhi != math.MaxInt64 && first.lo < first.hi) || (!k.desc && dlo != math.MinInt64 && first.lo < first.hi) {
		st, err := countRows(d, rest, first)
		if err != nil {
			return nil, false, err
		}
		k.First = &st
	}
	order := " GROUP BY day ORDER BY day ASC"
	if k.desc {
		order = " GROUP BY day ORDER BY day DESC"
	}
	var err error
	k.Days, err = r.sum(d, rest, dlo, dhi, "day, sum(n)", order)
	return k, err == nil, err
}

// Cut returns q restricted to the records visited from the start of day
// on (its end, descending): the page starts within that day.
func (k *Seek) Cut(day int64) fc.Query {
	if k.desc {
		return withSpan(k.q, span{math.MinInt64, (day + 1) * SecondsPerDay})
	}
	return withSpan(k.q, span{day * SecondsPerDay, math.MaxInt64})
}

// Last returns q restricted to the partial day visited last, or false
// when there is none (the page then lies past the end).
func (k *Seek) Last() (fc.Query, bool) {
	if k.desc {
		if k.dlo == math.MinInt64 {
			return fc.Query{}, false
		}
		return withSpan(k.q, span{math.MinInt64, k.dlo * SecondsPerDay}), true
	}
	if k.dhi == math.MaxInt64 {
		return fc.Query{}, false
	}
	return withSpan(k.q, span{k.dhi * SecondsPerDay, math.MaxInt64}), true
}
