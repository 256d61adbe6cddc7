package failedcheckins_test

import (
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Every field of both records has a value: a condition on a field the
// evaluator forgot would match nothing (and a webhook with that filter
// would never fire).
func TestEveryFieldHasAValue(t *testing.T) {
	for _, f := range fc.FailedCheckinFields {
		if _, ok := (&fc.FailedCheckin{}).Value(f); !ok {
			t.Errorf("FailedCheckin has no value for %s", f)
		}
	}
	for _, f := range fc.CheckinFields {
		if _, ok := (&fc.Checkin{}).Value(f); !ok {
			t.Errorf("Checkin has no value for %s", f)
		}
	}
}

func TestMatchesCheckin(t *testing.T) {
	from := time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)
	by := "ops@example.com"
	c := &fc.Checkin{ID: 7, CoworkerID: 42, CoworkerFullName: "Zoë Straße", BusinessID: 3, Source: fc.SourceDoorAccess,
		FromTime: from, FromTimeLocal: from.Add(time.Hour), UpdatedBy: &by}
	cases := []struct {
		cond fc.Condition
		want bool
	}{
		{fc.In(fc.FieldCoworkerID, 41, 42), true},
		{fc.In(fc.FieldCoworkerID, 41), false},
		{fc.Contains(fc.FieldCoworkerFullName, "STRASSE"), true},
		{fc.Contains(fc.FieldCoworkerFullName, "strassex"), false},
		{fc.TimeRange(fc.FieldFromTime, from, from.Add(time.Second)), true},
		{fc.TimeRange(fc.FieldFromTime, from.Add(time.Second), time.Time{}), false},
		{fc.TimeRange(fc.FieldToTime, time.Time{}, time.Time{}), false}, // ToTime is null
		{fc.Condition{Field: fc.FieldToTime, Match: fc.MatchNull, Null: true}, true},
		{fc.Condition{Field: fc.FieldUpdatedBy, Match: fc.MatchEqualFold, Strings: []string{"OPS@EXAMPLE.COM"}}, true},
		{fc.Condition{Field: fc.FieldSystemID, Match: fc.MatchEqualFold, Null: true}, true},
		{fc.Condition{Field: fc.FieldID, Match: fc.MatchIntRange, Min: 1, Max: 6}, false},
		{fc.In(fc.FieldReason, 1), false}, // a FailedCheckin field: matches nothing
	}
	for _, tc := range cases {
		if got := tc.cond.Matches(c); got != tc.want {
			t.Errorf("%+v: got %v, want %v", tc.cond, got, tc.want)
		}
	}
	q := fc.Query{Scope: fc.BusinessScope(3), Conditions: []fc.Condition{fc.In(fc.FieldSource, int64(fc.SourceDoorAccess))}}
	if !q.Matches(c) {
		t.Error("query in scope does not match")
	}
	q.Scope = fc.BusinessScope(4)
	if q.Matches(c) {
		t.Error("query out of scope matches")
	}
}
