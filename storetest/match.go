package storetest

import (
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// testMatches runs one condition of every kind on the fixtures and
// compares with the reference.
func testMatches(t *testing.T, s fc.FailedCheckinStore) {
	rs := fixtures()
	seed(t, s, fixtures())
	conds := []fc.Condition{
		fc.In(fc.FieldID, 2, 4, 99),
		fc.In(fc.FieldBusinessID, 20),
		fc.In(fc.FieldSource, int64(fc.SourceDoorAccess), int64(fc.SourceSensor)),
		fc.In(fc.FieldCoworkerID, 3),
		fc.In(fc.FieldIsNew, 0),
		{Field: fc.FieldCoworkerID, Match: fc.MatchIntRange, Min: 3, Max: 12},
		{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 2, Max: 5},
		fc.Contains(fc.FieldCoworkerFullName, "ANNA"),
		fc.Contains(fc.FieldMacAddresses, "aa:"),
		fc.Contains(fc.FieldTeams, "red"),
		fc.Contains(fc.FieldTariff, "desk"),
		fc.Contains(fc.FieldDescription, "PLAN"),
		fc.Contains(fc.FieldUpdatedBy, "example"),
		fc.Contains(fc.FieldSystemID, "ext"),
		fc.Contains(fc.FieldReason, "plan"),
		fc.Contains(fc.FieldUniqueID, "4D2B"),
		{Field: fc.FieldTariff, Match: fc.MatchEqualFold, Strings: []string{"hot desk", "DAY PASS"}},
		{Field: fc.FieldUniqueID, Match: fc.MatchEqualFold, Strings: []string{"3E9A4D8B-9C3B-4F4D-8A6E-9D4C3B5A6F74"}},
		{Field: fc.FieldCoworkerFullName, Match: fc.MatchExact, Strings: []string{"Bob", "ÉMILE"}},
		{Field: fc.FieldUniqueID, Match: fc.MatchExact, Strings: []string{uniqueIDs[2]}},
		fc.TimeRange(fc.FieldCheckinAttemptTime, base, base.Add(3*time.Hour)),
		fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, base.Add(2*time.Hour), time.Time{}),
		fc.TimeRange(fc.FieldCreatedOn, time.Time{}, base.Add(time.Hour+time.Second)),
		fc.TimeRange(fc.FieldUpdatedOn, base.Add(time.Second), base.Add(4*time.Hour)),
	}
	for _, c := range conds {
		checkQuery(t, s, rs, all(c))
	}
	// Conditions combine with AND, and with the scope.
	q := all(fc.In(fc.FieldSource, int64(fc.SourceDoorAccess)), fc.Contains(fc.FieldBusinessName, "zürich"))
	checkIDs(t, s, q, 1, 2)
	q.Scope = fc.BusinessScope(20)
	checkIDs(t, s, q)
}

// testMatchesNull: null is matched only by the Null variants; the folded
// copy of a null text (the empty string in SQL stores) must not make it equal "".
func testMatchesNull(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Null: true}), 2, 5)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchInts, Ints: []int64{7}, Null: true}), 1, 2, 3, 5)
	checkIDs(t, s, all(fc.In(fc.FieldCoworkerID, 7)), 1, 3)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldUpdatedBy, Match: fc.MatchEqualFold, Null: true}), 1, 5, 7)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldUpdatedBy, Match: fc.MatchEqualFold, Strings: []string{""}}), 2, 8)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldUpdatedBy, Match: fc.MatchEqualFold, Strings: []string{"OPS@example.com"}, Null: true}), 1, 3, 4, 5, 7)
	checkIDs(t, s, all(fc.Contains(fc.FieldReason, "")), 1, 3, 4, 5, 6, 8)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldSystemID, Match: fc.MatchExact, Strings: []string{""}}), 2, 7)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldReason, Match: fc.MatchExact, Strings: []string{"PLAN_EXPIRED"}}), 1, 6)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldReason, Match: fc.MatchExact, Strings: []string{"plan_expired"}}))
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldCoworkerID, Match: fc.MatchIntRange, Min: 0, Max: 1000}), 1, 3, 4, 6, 7, 8)
}

// testLiteralWildcards: %, _ and \ are ordinary characters in a filter.
func testLiteralWildcards(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, "%")), 3, 6)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, "_")), 3, 6)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, "%_")), 6)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, "plan_")), 3)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, `\`)), 4)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, `c:\doors\1`)), 4)
	checkIDs(t, s, all(fc.Contains(fc.FieldDescription, "p%n")))
}

// testUnicodeFolding: full case folding, not ASCII lower-casing.
func testUnicodeFolding(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	checkIDs(t, s, all(fc.Contains(fc.FieldBusinessName, "zürich")), 1, 2)
	checkIDs(t, s, all(fc.Contains(fc.FieldBusinessName, "ZÜRICH")), 1, 2)
	checkIDs(t, s, all(fc.Contains(fc.FieldBusinessName, "strasse")), 3, 4, 8)
	checkIDs(t, s, all(fc.Contains(fc.FieldBusinessName, "Straße")), 3, 4, 8)
	checkIDs(t, s, all(fc.Contains(fc.FieldCoworkerFullName, "émile")), 7, 8)
	checkIDs(t, s, all(fc.Contains(fc.FieldCoworkerFullName, "ZOË ωMEGA")), 4)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldBusinessName, Match: fc.MatchEqualFold, Strings: []string{"STRASSE"}}), 8)
	checkIDs(t, s, all(fc.Condition{Field: fc.FieldCoworkerFullName, Match: fc.MatchEqualFold, Strings: []string{"ANNA MÜLLER"}}), 1, 3)
}

// testTimeRangeBounds: From is inclusive, Until exclusive, and bounds with
// fractions of a second compare with the whole-second records correctly.
func testTimeRangeBounds(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	half := 500 * time.Millisecond
	at := fc.FieldCheckinAttemptTime
	checkIDs(t, s, all(fc.TimeRange(at, base, base.Add(time.Hour))), 1)
	checkIDs(t, s, all(fc.TimeRange(at, base.Add(half), base.Add(time.Hour))))
	checkIDs(t, s, all(fc.TimeRange(at, base.Add(-half), base.Add(half))), 1)
	checkIDs(t, s, all(fc.TimeRange(at, time.Time{}, base)), 8)
	checkIDs(t, s, all(fc.TimeRange(at, time.Time{}, base.Add(time.Nanosecond))), 1, 8)
	checkIDs(t, s, all(fc.TimeRange(at, base.Add(4*time.Hour-half), time.Time{})), 7)
	checkIDs(t, s, all(fc.TimeRange(at, time.Time{}, time.Time{})), 1, 2, 3, 4, 5, 6, 7, 8)
	// The local field is a wall clock held in UTC, one hour ahead here.
	checkIDs(t, s, all(fc.TimeRange(fc.FieldCheckinAttemptTimeLocal, base.Add(time.Hour), base.Add(time.Hour+time.Second))), 1)
}
