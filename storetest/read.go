package storetest

import (
	"context"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// testRoundTrip stores the fixtures and reads each back, by id and by
// search: every field must come back exactly, nil pointers as nil and
// empty strings as empty strings.
func testRoundTrip(t *testing.T, s fc.FailedCheckinStore) {
	want := fixtures()
	seed(t, s, fixtures())
	for _, w := range want {
		got, err := s.FindFailedCheckinByID(context.Background(), fc.AllBusinesses(), w.ID)
		if err != nil {
			t.Fatalf("FindFailedCheckinByID(%d) error: %v", w.ID, err)
		}
		if describe(got) != describe(w) {
			t.Errorf("FindFailedCheckinByID(%d) = %s; want %s", w.ID, describe(got), describe(w))
		}
	}
	page := find(t, s, all())
	for i, got := range page.Records {
		if i < len(want) && describe(got) != describe(want[i]) {
			t.Errorf("FindFailedCheckins record %d = %s; want %s", i, describe(got), describe(want[i]))
		}
	}
	if len(page.Records) != len(want) || page.TotalItems != int64(len(want)) {
		t.Errorf("FindFailedCheckins(all) = %s; want %d records", describePage(page), len(want))
	}
}

func testFindByID(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	ctx := context.Background()
	tests := []struct {
		scope fc.Scope
		id    int64
		want  string // "" = found, else the error code
	}{
		{fc.AllBusinesses(), 4, ""},
		{fc.BusinessScope(10, 30), 5, ""},
		{fc.AllBusinesses(), 999, fc.ErrNotFound},
		{fc.AllBusinesses(), 0, fc.ErrNotFound},
		{fc.BusinessScope(20), 1, fc.ErrNotFound}, // exists, outside scope
	}
	for _, tt := range tests {
		got, err := s.FindFailedCheckinByID(ctx, tt.scope, tt.id)
		if code := fc.ErrorCode(err); code != tt.want {
			t.Errorf("FindFailedCheckinByID(%v, %d) error = %v (code %q); want code %q", tt.scope.Businesses(), tt.id, err, code, tt.want)
			continue
		}
		if err == nil && (got == nil || got.ID != tt.id) {
			t.Errorf("FindFailedCheckinByID(%d) = %s; want the record with that Id", tt.id, describe(got))
		}
		if err != nil && got != nil {
			t.Errorf("FindFailedCheckinByID(%d) = %s with error %v; want nil", tt.id, describe(got), err)
		}
	}
}

// testEmptyScope: a scope without locations sees nothing, never everything.
func testEmptyScope(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	for _, scope := range []fc.Scope{{}, fc.BusinessScope()} {
		if _, err := s.FindFailedCheckinByID(context.Background(), scope, 1); fc.ErrorCode(err) != fc.ErrNotFound {
			t.Errorf("FindFailedCheckinByID(empty scope, 1) error = %v; want %s", err, fc.ErrNotFound)
		}
		q := all()
		q.Scope = scope
		page := find(t, s, q)
		if page.TotalItems != 0 || len(page.Records) != 0 {
			t.Errorf("FindFailedCheckins(%s) = %s; want nothing", describeQuery(q), describePage(page))
		}
	}
}

func testScope(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	q := all()
	q.Scope = fc.BusinessScope(10)
	checkIDs(t, s, q, 1, 2, 7)
	q.Scope = fc.BusinessScope(20, 30, 99)
	checkIDs(t, s, q, 3, 4, 5, 6, 8)
	q.Scope = fc.BusinessScope(99)
	checkIDs(t, s, q)
}
