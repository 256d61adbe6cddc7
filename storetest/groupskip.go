package storetest

import (
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// groupSample is the sample twice over (4,000 records, enough for pages
// deeper than the stores' skip threshold on either side of the middle):
// the copies have Ids from 2,001 on, their own UniqueIds, and their
// descriptions and tariffs in capitals, so that each folded value holds
// records of two spellings.
func groupSample(t *testing.T) []*fc.FailedCheckin {
	rs := Sample(t)
	for _, r := range Sample(t) {
		c := *r
		c.ID += 2000
		c.UniqueID = r.UniqueID[:14] + "e" + r.UniqueID[15:] // its version digit (4) changed
		c.Description = strings.ToUpper(r.Description)
		c.Tariff = strings.ToUpper(r.Tariff)
		rs = append(rs, &c)
	}
	return rs
}

// testGroupPages compares with the reference the deep pages of searches
// ordered by a field of few values (Source, tariff, description,
// location), which a store may start at the group of equal values where
// the page lies from exact counts (sqlstore's groupPage) instead of
// stepping over every match before it: pages around every boundary
// between two groups (the page straddling them, ending on the last record
// of one, starting on the first of the next), in the first and last
// groups, the last page, and past the end; both directions, with no
// condition, a condition a rollup counts beside the order, and a scope.
func testGroupPages(t *testing.T, s fc.FailedCheckinStore) {
	rs := groupSample(t)
	seed(t, s, rs)
	want := groupSample(t)
	queries := []fc.Query{
		all(),
		all(fc.In(fc.FieldSource, 2, 3)),
		all(fc.Condition{Field: fc.FieldTariff, Match: fc.MatchEqualFold, Strings: []string{"hot desk monthly", "dedicated desk", ""}}),
		{Scope: fc.BusinessScope(1001, 1002, 1003, 1004), OrderBy: fc.FieldID},
	}
	orders := []fc.Field{fc.FieldSource, fc.FieldTariff, fc.FieldDescription, fc.FieldBusinessID, fc.FieldBusinessName}
	for _, base := range queries {
		for _, order := range orders {
			for _, desc := range []bool{false, true} {
				q := base
				q.OrderBy, q.Descending, q.Size, q.Page = order, desc, len(want), 1 // every match
				matches := Search(want, q).Records
				// The reference's list only serves to find the group
				// boundaries (and the matches' number).
				var bounds []int
				for i := 1; i < len(matches); i++ {
					if fc.CompareField(matches[i-1], matches[i], order) != 0 {
						bounds = append(bounds, i)
					}
				}
				if step := len(bounds)/12 + 1; step > 1 { // 185 locations: a dozen of their boundaries
					thin := bounds[:0]
					for i := 0; i < len(bounds); i += step {
						thin = append(thin, bounds[i])
					}
					bounds = thin
				}
				bounds = append(bounds, len(matches)/2)
				for _, b := range bounds {
					for _, size := range []int{1, 7} {
						for _, at := range []int{b - 3, b - 1, b} {
							// Shallower pages, on either side of the
							// middle, are not skipped to.
							if at >= groupDepth && at < len(matches)-groupDepth {
								checkGroupPage(t, s, q, matches, size, at)
							}
						}
					}
				}
				for _, at := range []int{len(matches) - 1, len(matches), len(matches) + 5} {
					checkGroupPage(t, s, q, matches, 7, at)
				}
				if t.Failed() {
					return // one failure is enough to replay
				}
			}
		}
	}
}

// groupDepth is about the shallowest offset whose page a store skips to
// (sqlstore.SeekMinOffset).
const groupDepth = 1000

// checkGroupPage compares the store's page of q holding the at-th match
// (size records a page) with the same page of the reference's matches.
func checkGroupPage(t *testing.T, s fc.FailedCheckinStore, q fc.Query, matches []*fc.FailedCheckin, size, at int) {
	t.Helper()
	q.Size, q.Page = size, int64(at/size)+1
	from := min((at/size)*size, len(matches))
	wantPage := &fc.FailedCheckinPage{TotalItems: int64(len(matches)), Records: matches[from:min(from+size, len(matches))]}
	if g, w := describePage(find(t, s, q)), describePage(wantPage); g != w {
		t.Errorf("FindFailedCheckins(%s) = %s; want %s", describeQuery(q), g, w)
	}
}

// testZonePages compares with the reference the deep pages in Id order
// (and IsNew's, the same) of searches with ranges, which SQLite starts at
// the zone map's block of 1,024 Ids where they lie (sqlstore's zoneSkip):
// pages around each block's first Id (straddling two blocks), in the
// middle, the last page and past the end; both directions; ranges that
// hold whole blocks and cut others, with and without a Source beside.
func testZonePages(t *testing.T, s fc.FailedCheckinStore) {
	rs := groupSample(t)
	seed(t, s, rs)
	want := groupSample(t)
	created := rs[300].CreatedOn
	queries := []fc.Query{
		all(fc.TimeRange(fc.FieldCreatedOn, created, time.Time{})),
		all(fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 150, Max: 3900}, fc.TimeRange(fc.FieldCheckinAttemptTime, time.Time{}, rs[1900].CheckinAttemptTime)),
		all(fc.In(fc.FieldSource, 2, 3, 4), fc.TimeRange(fc.FieldUpdatedOn, rs[10].UpdatedOn, time.Time{})),
	}
	for _, base := range queries {
		for _, order := range []fc.Field{fc.FieldID, fc.FieldIsNew} {
			for _, desc := range []bool{false, true} {
				q := base
				q.OrderBy, q.Descending, q.Size, q.Page = order, desc, len(want), 1 // every match
				matches := Search(want, q).Records
				var bounds []int
				for i := 1; i < len(matches); i++ {
					if matches[i-1].ID/1024 != matches[i].ID/1024 {
						bounds = append(bounds, i)
					}
				}
				bounds = append(bounds, len(matches)/2)
				for _, b := range bounds {
					for _, size := range []int{1, 7} {
						for _, at := range []int{b - 3, b - 1, b} {
							if at >= groupDepth && at < len(matches)-groupDepth {
								checkGroupPage(t, s, q, matches, size, at)
							}
						}
					}
				}
				for _, at := range []int{len(matches) - 1, len(matches), len(matches) + 5} {
					checkGroupPage(t, s, q, matches, 7, at)
				}
				if t.Failed() {
					return // one failure is enough to replay
				}
			}
		}
	}
}
