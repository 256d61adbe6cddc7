package storetest

import (
	"cmp"
	"fmt"
	"slices"

	fc "github.com/failedcheckins/failedcheckins"
)

// Search is the reference implementation of a search: the rules of
// docs/api.md#search applied to a slice in the plainest Go, without SQL,
// through the domain's evaluator of conditions (fc.Query.Matches, the one
// the webhooks' outbox uses) and order (fc.CompareField). Tests
// compare the stores (and the HTTP API) against it, so it must stay simple
// enough to be checked by reading.
func Search(records []*fc.FailedCheckin, q fc.Query) *fc.FailedCheckinPage {
	var kept []*fc.FailedCheckin
	for _, r := range records {
		if q.Matches(r) {
			kept = append(kept, r)
		}
	}
	slices.SortFunc(kept, func(a, b *fc.FailedCheckin) int {
		c := fc.CompareField(a, b, q.OrderBy)
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		if q.Descending {
			c = -c
		}
		return c
	})
	page := &fc.FailedCheckinPage{TotalItems: int64(len(kept)), Records: []*fc.FailedCheckin{}}
	start := q.Offset()
	if start >= int64(len(kept)) {
		return page
	}
	end := min(start+int64(q.Size), int64(len(kept)))
	page.Records = kept[start:end]
	return page
}

// fieldValue is one field of a record, for the random generators; the
// reference evaluation itself is the domain's (fc.Query.Matches).
func fieldValue(r *fc.FailedCheckin, f fc.Field) fc.Value {
	v, ok := r.Value(f)
	if !ok {
		panic(fmt.Sprintf("reference: unknown field %q", f))
	}
	return v
}
