package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// ReportStore is a store with the bulk reads of the export and the
// statistics.
type ReportStore interface {
	fc.FailedCheckinStore
	fc.FailedCheckinReportStore
}

// RunReports is the conformance suite of the export and the statistics.
// open must return a new, empty, migrated store for each call.
func RunReports(t *testing.T, open func(t *testing.T) ReportStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s ReportStore)
	}{
		{"StatsFixtures", testStatsFixtures},
		{"StatsEmptyScope", testStatsEmptyScope},
		{"StatsInvalid", testStatsInvalid},
		{"StatsReference", testStatsReference},
		{"StatsTooManyGroups", testStatsTooManyGroups},
		{"StatsLimit", testStatsLimit},
		{"ExportEmptyScope", testExportEmptyScope},
		{"ExportStopEarly", testExportStopEarly},
		{"ExportReference", testExportReference},
		{"ExportSlots", testExportSlots},
		{"ExportSlotsPerUser", testExportSlotsPerUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// stats runs q, failing the test on an error.
func stats(t *testing.T, s ReportStore, q fc.StatsQuery) *fc.StatsResult {
	t.Helper()
	res, err := s.CountFailedCheckins(context.Background(), q)
	if err != nil {
		t.Fatalf("CountFailedCheckins(%s) error: %v", describeStatsQuery(q), err)
	}
	return res
}

// checkStats compares the store's statistic with the reference Stats.
func checkStats(t *testing.T, s ReportStore, all []*fc.FailedCheckin, q fc.StatsQuery) {
	t.Helper()
	got, want := describeStats(stats(t, s, q)), describeStats(Stats(all, q))
	if got != want {
		t.Errorf("CountFailedCheckins(%s) = %s; want %s", describeStatsQuery(q), got, want)
	}
}

func testStatsFixtures(t *testing.T, s ReportStore) {
	fx := fixtures()
	seed(t, s, fx)
	for _, g := range fc.StatsGroupings() {
		checkStats(t, s, fx, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{g}})
		if g != fc.GroupByDay {
			checkStats(t, s, fx, fc.StatsQuery{Scope: fc.BusinessScope(10, 30), GroupBy: []fc.StatsGroupBy{fc.GroupByDay, g}})
		}
	}
	// A hand-checked answer, so that the reference itself is pinned.
	res := stats(t, s, fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{fc.GroupByBusiness}})
	want := `total 8: [10]"Zürich centre"=3 [20]"Straße"=3 [30]"paris"=2`
	if got := describeStats(res); got != want {
		t.Errorf("CountFailedCheckins(BusinessId) = %s; want %s", got, want)
	}
}

func testStatsEmptyScope(t *testing.T, s ReportStore) {
	seed(t, s, fixtures())
	res := stats(t, s, fc.StatsQuery{GroupBy: []fc.StatsGroupBy{fc.GroupByReason}})
	if res.Total != 0 || len(res.Groups) != 0 {
		t.Errorf("CountFailedCheckins(zero scope) = %s; want nothing", describeStats(res))
	}
}

func testStatsInvalid(t *testing.T, s ReportStore) {
	for _, gs := range [][]fc.StatsGroupBy{nil, {"Colour"}, {fc.GroupByDay, fc.GroupByDay}, {fc.GroupByDay, fc.GroupByHour, fc.GroupByReason}} {
		_, err := s.CountFailedCheckins(context.Background(), fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: gs})
		if fc.ErrorCode(err) != fc.ErrInvalid {
			t.Errorf("CountFailedCheckins(groupBy %v) error = %v; want an ErrInvalid error", gs, err)
		}
	}
}

// testStatsTooManyGroups: an answer of more than fc.MaxStatsGroups groups
// is refused (ErrInvalid) instead of held in memory; a narrower filter
// over the same records answers.
func testStatsTooManyGroups(t *testing.T, s ReportStore) {
	base := fixtures()[0]
	rs := make([]*fc.FailedCheckin, fc.MaxStatsGroups+1)
	for i := range rs {
		r := *base
		r.ID = int64(i + 1)
		r.UniqueID = fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1)
		r.CoworkerID = new(int64)
		*r.CoworkerID = int64(i + 1)
		rs[i] = &r
	}
	seed(t, s, rs)
	q := fc.StatsQuery{Scope: fc.AllBusinesses(), GroupBy: []fc.StatsGroupBy{fc.GroupByCoworker, fc.GroupByDay}}
	_, err := s.CountFailedCheckins(context.Background(), q)
	if fc.ErrorCode(err) != fc.ErrInvalid || !strings.Contains(fc.ErrorMessage(err), "too many groups") {
		t.Errorf("CountFailedCheckins(%d groups) error = %v; want ErrInvalid saying too many groups", len(rs), err)
	}
	q.Conditions = []fc.Condition{{Field: fc.FieldCoworkerID, Match: fc.MatchIntRange, Min: 1, Max: fc.MaxStatsGroups}}
	checkStats(t, s, rs, q)
}

// testStatsLimit: a statistic with a Limit is never refused for having
// more than fc.MaxStatsGroups groups (the console's "top coworkers" chart
// over a large selection was a 500, issue 18 item 3): it answers the
// largest groups, ties by key, with the number of groups and records in
// all; by key descending it answers the latest days. Each is compared
// with the reference.
func testStatsLimit(t *testing.T, s ReportStore) {
	base := fixtures()[0]
	rs := make([]*fc.FailedCheckin, 0, fc.MaxStatsGroups+40)
	add := func(coworker *int64, reason *string, day int) {
		r := *base
		r.ID = int64(len(rs) + 1)
		r.UniqueID = fmt.Sprintf("00000000-0000-4000-8000-%012d", r.ID)
		r.CoworkerID, r.Reason = coworker, reason
		r.CheckinAttemptTime = r.CheckinAttemptTime.AddDate(0, 0, day)
		r.CheckinAttemptTimeLocal = r.CheckinAttemptTimeLocal.AddDate(0, 0, day)
		rs = append(rs, &r)
	}
	reasons := []*string{nil, new("PlanExpired"), new("Zzz"), new("Ärger"), new("a")}
	for i := range fc.MaxStatsGroups + 1 { // one record each: ties everywhere
		add(new(int64(i+1)), reasons[i%len(reasons)], i%400)
	}
	for i := range 12 { // a few coworkers, and the unknown one, stand out
		add(new(int64(7+i%3)), nil, i)
		add(nil, reasons[1], i)
	}
	seed(t, s, rs)
	all := fc.AllBusinesses()
	for _, q := range []fc.StatsQuery{
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByCoworker}, Order: fc.StatsByCount, Limit: 10},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByCoworker, fc.GroupByDay}, Order: fc.StatsByCount, Limit: 5},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByReason}, Order: fc.StatsByCount, Limit: 3},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByReason}, Order: fc.StatsByKeyDesc, Limit: 4},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByDay}, Order: fc.StatsByKeyDesc, Limit: 366},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByDay, fc.GroupByReason}, Order: fc.StatsByKeyDesc, Limit: fc.MaxStatsGroups},
		{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByReason, fc.GroupByCoworker}, Order: fc.StatsByKey, Limit: 7},
		{Scope: fc.BusinessScope(base.BusinessID), GroupBy: []fc.StatsGroupBy{fc.GroupByCoworker}, Order: fc.StatsByCount, Limit: 1,
			Conditions: []fc.Condition{{Field: fc.FieldCoworkerID, Match: fc.MatchIntRange, Min: 8, Max: 9}}},
	} {
		checkStats(t, s, rs, q)
	}
	res := stats(t, s, fc.StatsQuery{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByCoworker}, Order: fc.StatsByCount, Limit: 2})
	if res.GroupCount != fc.MaxStatsGroups+2 || res.Total != int64(len(rs)) || len(res.Groups) != 2 ||
		!res.Groups[0].Keys[0].Null || res.Groups[0].Count != 12 || res.Groups[1].Keys[0].Int != 7 {
		t.Errorf("top 2 coworkers = %s (%d groups in all); want the unknown coworker (12) and coworker 7 of %d groups, %d records",
			describeStats(res), res.GroupCount, fc.MaxStatsGroups+2, len(rs))
	}
	for _, limit := range []int{-1, fc.MaxStatsGroups + 1} {
		q := fc.StatsQuery{Scope: all, GroupBy: []fc.StatsGroupBy{fc.GroupByReason}, Limit: limit}
		if _, err := s.CountFailedCheckins(context.Background(), q); fc.ErrorCode(err) != fc.ErrInvalid {
			t.Errorf("CountFailedCheckins(limit %d) error = %v; want an ErrInvalid error", limit, err)
		}
	}
}

// testStatsReference compares random statistics over the sample with the
// reference; the seed is printed on failure.
func testStatsReference(t *testing.T, s ReportStore) {
	sample := Sample(t)
	seed(t, s, sample)
	g, seed1 := newGenerator(t, Sample(t))
	groupings := fc.StatsGroupings()
	for range 150 {
		q := g.query()
		sq := fc.StatsQuery{Scope: q.Scope, Conditions: q.Conditions, GroupBy: []fc.StatsGroupBy{groupings[g.rnd.IntN(len(groupings))]}}
		if second := groupings[g.rnd.IntN(len(groupings))]; second != sq.GroupBy[0] && g.rnd.IntN(2) == 0 {
			sq.GroupBy = append(sq.GroupBy, second)
		}
		sq.Order = fc.StatsOrder(g.rnd.IntN(3))
		if g.rnd.IntN(2) == 0 {
			sq.Limit = 1 + g.rnd.IntN(20)
		}
		checkStats(t, s, g.records, sq)
		if t.Failed() {
			t.Logf("seed %d", seed1)
			return
		}
	}
}

// newGenerator returns a random query generator over records, seeded from
// the clock, and its seed.
func newGenerator(t *testing.T, records []*fc.FailedCheckin) (*generator, uint64) {
	t.Helper()
	seed1 := uint64(time.Now().UnixNano())
	return &generator{rnd: rand.New(rand.NewPCG(seed1, 0x5eed)), records: records}, seed1
}

func describeStatsQuery(q fc.StatsQuery) string {
	return fmt.Sprintf("groupBy=%v order=%d limit=%d %s", q.GroupBy, q.Order, q.Limit, describeQuery(fc.Query{Scope: q.Scope, Conditions: q.Conditions}))
}

// describeStats renders a result with every group, key, label and count.
func describeStats(res *fc.StatsResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total %d:", res.Total)
	if res.GroupCount != int64(len(res.Groups)) {
		fmt.Fprintf(&b, " (%d of %d groups)", len(res.Groups), res.GroupCount)
	}
	for _, g := range res.Groups {
		b.WriteString(" " + describeKeys(g.Keys))
		for _, l := range g.Labels {
			if l != "" {
				fmt.Fprintf(&b, "%q", l)
			}
		}
		fmt.Fprintf(&b, "=%d", g.Count)
	}
	return b.String()
}

func describeKeys(keys []fc.StatsKey) string {
	var b strings.Builder
	for _, k := range keys {
		switch {
		case k.Null:
			b.WriteString("[null]")
		case k.Text != "":
			fmt.Fprintf(&b, "[%q]", k.Text)
		default:
			fmt.Fprintf(&b, "[%d]", k.Int)
		}
	}
	return b.String()
}
