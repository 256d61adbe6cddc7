package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Search is the reference implementation of a search: the rules of
// docs/api.md#search applied to a slice in the plainest Go, without SQL. Tests
// compare the stores (and the HTTP API) against it, so it must stay simple
// enough to be checked by reading.
func Search(records []*fc.FailedCheckin, q fc.Query) *fc.FailedCheckinPage {
	var kept []*fc.FailedCheckin
	for _, r := range records {
		if q.Scope.Allows(r.BusinessID) && matchesAll(r, q.Conditions) {
			kept = append(kept, r)
		}
	}
	slices.SortFunc(kept, func(a, b *fc.FailedCheckin) int {
		c := compareField(a, b, q.OrderBy)
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

// value is one field of one record, in a form that compares and matches.
type value struct {
	null   bool
	num    int64  // integers, sources, booleans and times (Unix seconds)
	text   string // text fields, as stored
	isText bool
}

func fieldValue(r *fc.FailedCheckin, f fc.Field) value {
	text := func(s string) value { return value{text: s, isText: true} }
	optText := func(s *string) value {
		if s == nil {
			return value{null: true, isText: true}
		}
		return text(*s)
	}
	switch f {
	case fc.FieldID:
		return value{num: r.ID}
	case fc.FieldUniqueID:
		return text(r.UniqueID)
	case fc.FieldCoworkerID:
		if r.CoworkerID == nil {
			return value{null: true}
		}
		return value{num: *r.CoworkerID}
	case fc.FieldCoworkerFullName:
		return text(r.CoworkerFullName)
	case fc.FieldBusinessID:
		return value{num: r.BusinessID}
	case fc.FieldBusinessName:
		return text(r.BusinessName)
	case fc.FieldCheckinAttemptTime:
		return value{num: r.CheckinAttemptTime.Unix()}
	case fc.FieldSource:
		return value{num: int64(r.Source)}
	case fc.FieldMacAddresses:
		return text(r.MacAddresses)
	case fc.FieldTeams:
		return text(r.Teams)
	case fc.FieldTariff:
		return text(r.Tariff)
	case fc.FieldDescription:
		return text(r.Description)
	case fc.FieldCheckinAttemptTimeLocal:
		return value{num: r.CheckinAttemptTimeLocal.Unix()}
	case fc.FieldCreatedOn:
		return value{num: r.CreatedOn.Unix()}
	case fc.FieldUpdatedOn:
		return value{num: r.UpdatedOn.Unix()}
	case fc.FieldUpdatedBy:
		return optText(r.UpdatedBy)
	case fc.FieldIsNew:
		return value{num: 0}
	case fc.FieldSystemID:
		return optText(r.SystemID)
	case fc.FieldReason:
		return optText(r.Reason)
	case fc.FieldResolvedByCheckinID:
		if r.ResolvedByCheckinID == nil {
			return value{null: true}
		}
		return value{num: *r.ResolvedByCheckinID}
	case fc.FieldResolvedOn:
		if r.ResolvedOn == nil {
			return value{null: true}
		}
		return value{num: r.ResolvedOn.Unix()}
	}
	panic(fmt.Sprintf("reference: unknown field %q", f))
}

// compareField orders null and "" first, text by its case folding.
func compareField(a, b *fc.FailedCheckin, f fc.Field) int {
	va, vb := fieldValue(a, f), fieldValue(b, f)
	if va.isText {
		return strings.Compare(fc.Fold(va.text), fc.Fold(vb.text))
	}
	if va.null || vb.null {
		switch {
		case va.null && vb.null:
			return 0
		case va.null:
			return -1
		default:
			return 1
		}
	}
	return cmp.Compare(va.num, vb.num)
}

func matchesAll(r *fc.FailedCheckin, conds []fc.Condition) bool {
	for _, c := range conds {
		if !matches(r, c) {
			return false
		}
	}
	return true
}

func matches(r *fc.FailedCheckin, c fc.Condition) bool {
	v := fieldValue(r, c.Field)
	switch c.Match {
	case fc.MatchInts:
		if v.null {
			return c.Null
		}
		return slices.Contains(c.Ints, v.num)
	case fc.MatchContains:
		return !v.null && strings.Contains(fc.Fold(v.text), fc.Fold(c.Strings[0]))
	case fc.MatchEqualFold:
		if v.null {
			return c.Null
		}
		return slices.ContainsFunc(c.Strings, func(s string) bool { return fc.Fold(s) == fc.Fold(v.text) })
	case fc.MatchExact:
		return !v.null && slices.Contains(c.Strings, v.text)
	case fc.MatchTimeRange:
		if v.null {
			return false // NULL >= x is not true
		}
		t := timeOf(r, c.Field)
		return (c.From.IsZero() || !t.Before(c.From)) && (c.Until.IsZero() || t.Before(c.Until))
	case fc.MatchIntRange:
		return !v.null && v.num >= c.Min && v.num <= c.Max
	case fc.MatchNull:
		return v.null == c.Null
	}
	panic(fmt.Sprintf("reference: unknown match %d", c.Match))
}

func timeOf(r *fc.FailedCheckin, f fc.Field) time.Time {
	switch f {
	case fc.FieldCheckinAttemptTime:
		return r.CheckinAttemptTime
	case fc.FieldCheckinAttemptTimeLocal:
		return r.CheckinAttemptTimeLocal
	case fc.FieldCreatedOn:
		return r.CreatedOn
	case fc.FieldUpdatedOn:
		return r.UpdatedOn
	case fc.FieldResolvedOn:
		return *r.ResolvedOn // not null: matches checks first
	}
	panic(fmt.Sprintf("reference: %q is not a time field", f))
}
