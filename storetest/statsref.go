package storetest

import (
	"math"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// Stats is the reference implementation of a statistic: the records that
// q's scope and conditions select (exactly as Search selects them), counted
// per group in plain Go, in q's Order, cut at q.Limit (Total and
// GroupCount still count every group). Stores and the HTTP API are
// compared against it.
func Stats(records []*fc.FailedCheckin, q fc.StatsQuery) *fc.StatsResult {
	res := &fc.StatsResult{GroupBy: slices.Clone(q.GroupBy), Groups: []fc.StatsGroup{}}
	index := map[string]int{} // describeKeys -> index in res.Groups
	for _, r := range Export(records, fc.Query{Scope: q.Scope, Conditions: q.Conditions, OrderBy: fc.FieldID}) {
		keys, labels := make([]fc.StatsKey, len(q.GroupBy)), make([]string, len(q.GroupBy))
		for i, g := range q.GroupBy {
			keys[i], labels[i] = statsKey(r, g)
		}
		id := describeKeys(keys)
		i, ok := index[id]
		if !ok {
			i = len(res.Groups)
			index[id] = i
			res.Groups = append(res.Groups, fc.StatsGroup{Keys: keys, Labels: labels})
		}
		g := &res.Groups[i]
		g.Count++
		for k := range labels {
			g.Labels[k] = max(g.Labels[k], labels[k]) // Go compares strings byte by byte
		}
		res.Total++
	}
	slices.SortFunc(res.Groups, func(a, b fc.StatsGroup) int { return fc.CompareStatsGroups(q.Order, a, b) })
	res.GroupCount = int64(len(res.Groups))
	if q.Limit > 0 && len(res.Groups) > q.Limit {
		res.Groups = res.Groups[:q.Limit]
	}
	return res
}

// Export is the reference implementation of an export: every record q
// selects, in q's order, whatever q's page and size.
func Export(records []*fc.FailedCheckin, q fc.Query) []*fc.FailedCheckin {
	q.Page, q.Size = 1, math.MaxInt
	return Search(records, q).Records
}

// statsKey is the key of r under grouping g, and its label.
func statsKey(r *fc.FailedCheckin, g fc.StatsGroupBy) (fc.StatsKey, string) {
	switch g {
	case fc.GroupByReason:
		if r.Reason == nil {
			return fc.StatsKey{Null: true}, ""
		}
		return fc.StatsKey{Text: *r.Reason}, ""
	case fc.GroupByBusiness:
		return fc.StatsKey{Int: r.BusinessID}, r.BusinessName
	case fc.GroupBySource:
		return fc.StatsKey{Int: int64(r.Source)}, ""
	case fc.GroupByDay:
		return fc.StatsKey{Text: r.CheckinAttemptTimeLocal.Format("2006-01-02")}, ""
	case fc.GroupByHour:
		return fc.StatsKey{Int: int64(r.CheckinAttemptTimeLocal.Hour())}, ""
	case fc.GroupByCoworker:
		if r.CoworkerID == nil {
			return fc.StatsKey{Null: true}, r.CoworkerFullName
		}
		return fc.StatsKey{Int: *r.CoworkerID}, r.CoworkerFullName
	case fc.GroupByResolved:
		if r.Resolved() {
			return fc.StatsKey{Int: 1}, ""
		}
		return fc.StatsKey{Int: 0}, ""
	}
	panic("storetest: unknown grouping " + string(g))
}
