package storetest

import (
	"math"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// testSort orders by every field both ways; the fixtures have ties on most
// fields, which must be broken by Id in the same direction.
func testSort(t *testing.T, s fc.FailedCheckinStore) {
	rs := fixtures()
	seed(t, s, fixtures())
	for _, f := range fc.FailedCheckinFields {
		for _, desc := range []bool{false, true} {
			q := all()
			q.OrderBy, q.Descending = f, desc
			checkQuery(t, s, rs, q)
		}
	}
}

// testNullAndEmptyFirst pins the order rules without the reference: null
// and "" sort together before everything in ascending order.
func testNullAndEmptyFirst(t *testing.T, s fc.FailedCheckinStore) {
	seed(t, s, fixtures())
	q := all()
	q.OrderBy = fc.FieldUpdatedBy
	checkIDs(t, s, q, 1, 2, 5, 7, 8, 6, 3, 4)
	q.Descending = true
	checkIDs(t, s, q, 4, 3, 6, 8, 7, 5, 2, 1)
	q = all()
	q.OrderBy = fc.FieldCoworkerID
	checkIDs(t, s, q, 2, 5, 4, 7, 1, 3, 6, 8)
	q.Descending = true
	checkIDs(t, s, q, 8, 6, 3, 1, 7, 4, 5, 2)
	q = all()
	// Folded text compares byte by byte (UTF-8 order): "zoë" before "émile".
	q.OrderBy = fc.FieldCoworkerFullName
	checkIDs(t, s, q, 2, 1, 3, 5, 6, 4, 7, 8)
}

// testPaging: pages concatenate to the whole ordered result; a page past
// the end is empty but still reports the total.
func testPaging(t *testing.T, s fc.FailedCheckinStore) {
	rs := fixtures()
	seed(t, s, fixtures())
	whole := all()
	whole.OrderBy, whole.Descending = fc.FieldCheckinAttemptTime, true
	want := ids(Search(rs, whole).Records)
	for size := 1; size <= 3; size++ {
		var got []int64
		q := whole
		q.Size = size
		for q.Page = 1; q.Page <= 10; q.Page++ {
			page := find(t, s, q)
			if page.TotalItems != int64(len(rs)) {
				t.Errorf("FindFailedCheckins(%s) = %s; want TotalItems %d", describeQuery(q), describePage(page), len(rs))
			}
			got = append(got, ids(page.Records)...)
		}
		if len(got) != len(want) {
			t.Errorf("pages of %d concatenate to %v; want %v", size, got, want)
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("pages of %d concatenate to %v; want %v", size, got, want)
				break
			}
		}
	}
	for _, page := range []int64{3, math.MaxInt64 / 2, math.MaxInt64} {
		q := whole
		q.Page, q.Size = page, 4
		checkQuery(t, s, rs, q)
	}
}
