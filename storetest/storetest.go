package storetest

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Run is the conformance suite of a FailedCheckinStore. open must return a
// new, empty, migrated store for each call; Run calls it once per subtest.
// Every backend runs it unchanged, so the backends cannot drift apart.
func Run(t *testing.T, open func(t *testing.T) fc.FailedCheckinStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s fc.FailedCheckinStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"FindByID", testFindByID},
		{"EmptyScope", testEmptyScope},
		{"Scope", testScope},
		{"Matches", testMatches},
		{"MatchesNull", testMatchesNull},
		{"LiteralWildcards", testLiteralWildcards},
		{"UnicodeFolding", testUnicodeFolding},
		{"TimeRangeBounds", testTimeRangeBounds},
		{"Sort", testSort},
		{"NullAndEmptyFirst", testNullAndEmptyFirst},
		{"Paging", testPaging},
		{"CreateDefaults", testCreateDefaults},
		{"CreateInvalid", testCreateInvalid},
		{"CreateConflictRollsBack", testCreateConflictRollsBack},
		{"CreateSequenceErrorRollsBack", testCreateSequenceErrorRollsBack},
		{"DuplicateUniqueID", testDuplicateUniqueID},
		{"Reference", testReference},
		{"ReferenceValues", testReferenceValues},
		{"GroupPages", testGroupPages},
		{"ZonePages", testZonePages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// records turns a slice into the sequence CreateFailedCheckins reads.
func records(rs []*fc.FailedCheckin) iter.Seq2[*fc.FailedCheckin, error] {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// seed stores rs, failing the test on any error.
func seed(t *testing.T, s fc.FailedCheckinStore, rs []*fc.FailedCheckin) {
	t.Helper()
	n, err := s.CreateFailedCheckins(context.Background(), records(rs))
	if err != nil || n != len(rs) {
		t.Fatalf("CreateFailedCheckins(%d records) = %d, %v; want %d, nil", len(rs), n, err, len(rs))
	}
}

// find runs q, failing the test on an error.
func find(t *testing.T, s fc.FailedCheckinStore, q fc.Query) *fc.FailedCheckinPage {
	t.Helper()
	page, err := s.FindFailedCheckins(context.Background(), q)
	if err != nil {
		t.Fatalf("FindFailedCheckins(%s) error: %v", describeQuery(q), err)
	}
	return page
}

// checkQuery compares the store's answer to q with the reference Search
// over all, the records the store holds.
func checkQuery(t *testing.T, s fc.FailedCheckinStore, all []*fc.FailedCheckin, q fc.Query) {
	t.Helper()
	got, want := find(t, s, q), Search(all, q)
	if g, w := describePage(got), describePage(want); g != w {
		t.Errorf("FindFailedCheckins(%s) = %s; want %s", describeQuery(q), g, w)
	}
}

// checkIDs runs q and compares the page's ids with want, in order.
func checkIDs(t *testing.T, s fc.FailedCheckinStore, q fc.Query, want ...int64) {
	t.Helper()
	got := ids(find(t, s, q).Records)
	if !slices.Equal(got, want) {
		t.Errorf("FindFailedCheckins(%s) = ids %v; want %v", describeQuery(q), got, want)
	}
}

// all is a query over every location: first page of 1000, by Id.
func all(conds ...fc.Condition) fc.Query {
	return fc.Query{Scope: fc.AllBusinesses(), Conditions: conds, OrderBy: fc.FieldID, Page: 1, Size: fc.MaxPageSize}
}

func ids(rs []*fc.FailedCheckin) []int64 {
	out := make([]int64, len(rs))
	for i, r := range rs {
		out[i] = r.ID
	}
	return out
}

func describePage(p *fc.FailedCheckinPage) string {
	return fmt.Sprintf("{TotalItems: %d, Ids: %v}", p.TotalItems, ids(p.Records))
}

func describeQuery(q fc.Query) string {
	var b strings.Builder
	scope := "all"
	if !q.Scope.All() {
		scope = fmt.Sprint(q.Scope.Businesses())
	}
	fmt.Fprintf(&b, "scope=%s orderBy=%s desc=%t page=%d size=%d", scope, q.OrderBy, q.Descending, q.Page, q.Size)
	for _, c := range q.Conditions {
		fmt.Fprintf(&b, " [%s", c.Field)
		switch c.Match {
		case fc.MatchInts:
			fmt.Fprintf(&b, " in %v null=%t", c.Ints, c.Null)
		case fc.MatchContains:
			fmt.Fprintf(&b, " contains %q", c.Strings[0])
		case fc.MatchEqualFold:
			fmt.Fprintf(&b, " equalfold %q null=%t", c.Strings, c.Null)
		case fc.MatchExact:
			fmt.Fprintf(&b, " exact %q", c.Strings)
		case fc.MatchTimeRange:
			fmt.Fprintf(&b, " from %s until %s", c.From.Format(time.RFC3339Nano), c.Until.Format(time.RFC3339Nano))
		case fc.MatchIntRange:
			fmt.Fprintf(&b, " %d..%d", c.Min, c.Max)
		case fc.MatchNull:
			fmt.Fprintf(&b, " null=%t", c.Null)
		}
		b.WriteString("]")
	}
	return b.String()
}

// describe renders every field of r, pointers by value, so two records
// with the same text are equal field for field.
func describe(r *fc.FailedCheckin) string {
	if r == nil {
		return "<nil>"
	}
	opt := func(s *string) string {
		if s == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *s)
	}
	coworker := "null"
	if r.CoworkerID != nil {
		coworker = fmt.Sprint(*r.CoworkerID)
	}
	ts := func(t time.Time) string { return t.Format(time.RFC3339Nano) + "@" + t.Location().String() }
	resolvedBy, resolvedOn := "null", "null"
	if r.ResolvedByCheckinID != nil {
		resolvedBy = fmt.Sprint(*r.ResolvedByCheckinID)
	}
	if r.ResolvedOn != nil {
		resolvedOn = ts(*r.ResolvedOn)
	}
	return fmt.Sprintf("{Id:%d UniqueId:%q CoworkerId:%s CoworkerFullName:%q BusinessId:%d BusinessName:%q "+
		"CheckinAttemptTime:%s Source:%d MacAddresses:%q Teams:%q Tariff:%q Description:%q "+
		"CheckinAttemptTimeLocal:%s CreatedOn:%s UpdatedOn:%s UpdatedBy:%s SystemId:%s Reason:%s "+
		"ResolvedByCheckinId:%s ResolvedOn:%s}",
		r.ID, r.UniqueID, coworker, r.CoworkerFullName, r.BusinessID, r.BusinessName,
		ts(r.CheckinAttemptTime), r.Source, r.MacAddresses, r.Teams, r.Tariff, r.Description,
		ts(r.CheckinAttemptTimeLocal), ts(r.CreatedOn), ts(r.UpdatedOn), opt(r.UpdatedBy), opt(r.SystemID), opt(r.Reason),
		resolvedBy, resolvedOn)
}
