package main

import (
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// shape is one request the load drives: its API path, the same search as
// a store Query (for the raw SQL floor) and the TotalItems the bench README
// gives for datagen -rows 1000000 -seed 1 (-1: not checked). A shape with
// manager is asked by a location manager of those locations (fcbench
// creates the user), every other by the bench administrator.
type shape struct {
	name    string
	path    string
	query   fc.Query // zero Size: a get-one by getID
	getID   int64
	want    int64
	manager []int64
}

var (
	atTime  = fc.FieldCheckinAttemptTime
	oct1    = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	oct2    = time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC)
	aug3    = time.Date(2026, 8, 3, 0, 0, 0, 0, time.UTC)
	jan5at8 = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
)

// list returns a first-page query over every location (the bench user is
// a full administrator), newest first by order.
func list(order fc.Field, desc bool, page int64, conds ...fc.Condition) fc.Query {
	return fc.Query{Scope: fc.AllBusinesses(), Conditions: conds, OrderBy: order, Descending: desc, Page: page, Size: 25}
}

// q7Locations are the locations of q7's manager: the two largest.
var q7Locations = []int64{1001, 1002}

// benchShapes are the six shapes of /work/shared/bench/README.md, and
// issue 17's q7: the most common request of all, a location manager's
// default search (no parameters: their scope, CreatedOn descending, page
// 1 of 25), asked by a manager of two locations; q7a is the same records
// asked by the administrator with a location filter.
func benchShapes() []shape {
	const base = "/api/spaces/failedcheckins"
	return []shape{
		{"q1", base + "?FailedCheckin_Business=1001&from_FailedCheckin_CheckinAttemptTime=2026-10-02T00:00&orderBy=CheckinAttemptTime&dir=1&page=1&size=25",
			list(atTime, true, 1, fc.In(fc.FieldBusinessID, 1001), fc.TimeRange(atTime, oct2, time.Time{})), 0, 8323, nil},
		{"q2", base + "?FailedCheckin_Coworker_FullName=smith&orderBy=CheckinAttemptTime&dir=1&page=1&size=25",
			list(atTime, true, 1, fc.Contains(fc.FieldCoworkerFullName, "smith")), 0, 27860, nil},
		{"q3", base + "?FailedCheckin_Business=1001&FailedCheckin_Source=2&FailedCheckin_Description=plan&from_FailedCheckin_CheckinAttemptTime=2026-08-03T00:00&orderBy=CheckinAttemptTime&dir=1&size=25",
			list(atTime, true, 1, fc.In(fc.FieldBusinessID, 1001), fc.In(fc.FieldSource, 2), fc.Contains(fc.FieldDescription, "plan"),
				fc.TimeRange(atTime, aug3, time.Time{})), 0, 3795, nil},
		{"q4", base + "?FailedCheckin_Business=1001&orderBy=CheckinAttemptTime&dir=1&page=2000&size=25",
			list(atTime, true, 2000, fc.In(fc.FieldBusinessID, 1001)), 0, 169959, nil},
		{"q5", base + "/500000", fc.Query{}, 500000, -1, nil},
		{"q6", base + "?orderBy=CreatedOn&dir=1&page=1&size=25", list(fc.FieldCreatedOn, true, 1), 0, 1000000, nil},
		{"q7", base, fc.Query{Scope: fc.BusinessScope(q7Locations...), OrderBy: fc.FieldCreatedOn, Descending: true, Page: 1, Size: 25},
			0, -1, q7Locations},
		{"q7a", base + "?FailedCheckin_Business=1001,1002", list(fc.FieldCreatedOn, true, 1, fc.In(fc.FieldBusinessID, q7Locations...)), 0, -1, nil},
	}
}

// extraShapes are other combinations of filters, sort fields and pages
// (issue 6: "any other combination ... p99 under 50 ms"), including a sort
// on a text field and a deep page on it. Their totals are not in the
// README, so they are only printed.
func extraShapes() []shape {
	const base = "/api/spaces/failedcheckins"
	local := fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, jan5at8, jan5at8.Add(time.Hour))
	return []shape{
		{"x1-name-sort", base + "?orderBy=CoworkerFullName&dir=0&page=1&size=25",
			list(fc.FieldCoworkerFullName, false, 1), 0, -1, nil},
		{"x2-name-sort-deep", base + "?FailedCheckin_Business=1002&orderBy=CoworkerFullName&dir=0&page=400&size=25",
			list(fc.FieldCoworkerFullName, false, 400, fc.In(fc.FieldBusinessID, 1002)), 0, -1, nil},
		{"x3-teams", base + "?FailedCheckin_TeamsAtTheTimeOfCheckin=cobalt&orderBy=CheckinAttemptTime&dir=1&size=25",
			list(atTime, true, 1, fc.Contains(fc.FieldTeams, "cobalt")), 0, -1, nil},
		{"x4-tariff-source", base + "?FailedCheckin_Source=3&FailedCheckin_TariffAtTheTimeOfCheckin=hot%20desk&orderBy=Id&dir=0&page=10&size=100",
			fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldSource, 3), fc.Contains(fc.FieldTariff, "hot desk")},
				OrderBy: fc.FieldID, Page: 10, Size: 100}, 0, -1, nil},
		{"x5-local-hour", base + "?from_FailedCheckin_CheckinAttemptTimeLocal=2026-01-05T08:00&to_FailedCheckin_CheckinAttemptTimeLocal=2026-01-05T09:00&orderBy=Id&dir=1",
			list(fc.FieldID, true, 1, local), 0, -1, nil},
		{"x6-coworker", base + "?FailedCheckin_Coworker=100123&orderBy=Description&dir=0",
			list(fc.FieldDescription, false, 1, fc.In(fc.FieldCoworkerID, 100123)), 0, -1, nil},
		{"x7-business-name-deep", base + "?FailedCheckin_Business_Name=seoul&orderBy=CheckinAttemptTime&dir=0&page=3000&size=25",
			list(atTime, false, 3000, fc.Contains(fc.FieldBusinessName, "seoul")), 0, -1, nil},
	}
}

// sortShapes sort large sets by text fields that have no index of their
// own (issue 6's "any other combination"): each is a scan of the matching
// records and a sort. They are measured to show that cost; the indexes
// that would remove it are not built because they slow every check-in
// attempt's insert (docs/benchmarks.md, "Sorts on other fields").
func sortShapes() []shape {
	const base = "/api/spaces/failedcheckins"
	return []shape{
		{"s1-teams-sort", base + "?orderBy=TeamsAtTheTimeOfCheckin&dir=0&size=25",
			list(fc.FieldTeams, false, 1), 0, -1, nil},
		{"s2-location-sort-deep", base + "?orderBy=BusinessName&dir=0&page=10000&size=25",
			list(fc.FieldBusinessName, false, 10000), 0, -1, nil},
		{"s3-description-sort-one-location", base + "?FailedCheckin_Business=1001&orderBy=Description&dir=0&page=100&size=25",
			list(fc.FieldDescription, false, 100, fc.In(fc.FieldBusinessID, 1001)), 0, -1, nil},
		{"s4-location-sort-recent", base + "?FailedCheckin_Business=1001&from_FailedCheckin_CheckinAttemptTime=2026-10-01&orderBy=BusinessName&dir=1&size=25",
			list(fc.FieldBusinessName, true, 1, fc.In(fc.FieldBusinessID, 1001), fc.TimeRange(atTime, oct1, time.Time{})), 0, -1, nil},
	}
}
