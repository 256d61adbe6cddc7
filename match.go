package failedcheckins

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// The Go evaluator of search conditions: the rules of docs/api.md#search
// applied to one record in memory, without SQL. The stores evaluate the
// same conditions in SQL; this one decides, as a record is written, which
// webhooks it goes to (their Filter), and the conformance tests compare
// the stores against it (storetest.Search), so both evaluations are held
// to the same rules.

// Value is one field of one record in a form that compares and matches.
type Value struct {
	Null   bool
	Num    int64     // integers, sources, booleans and times (Unix seconds)
	Time   time.Time // time fields: the time itself (Num holds its Unix seconds)
	Text   string    // text fields, as stored
	IsText bool
}

// Valuer is a record whose fields conditions can test: *FailedCheckin and
// *Checkin.
type Valuer interface {
	// Value returns the field f of the record, and false when the record
	// has no such field.
	Value(f Field) (Value, bool)
	// Business returns the record's location, which a Scope tests.
	Business() int64
}

func textValue(s string) Value { return Value{Text: s, IsText: true} }

func optTextValue(s *string) Value {
	if s == nil {
		return Value{Null: true, IsText: true}
	}
	return textValue(*s)
}

func intValue(n int64) Value { return Value{Num: n} }

func optIntValue(n *int64) Value {
	if n == nil {
		return Value{Null: true}
	}
	return intValue(*n)
}

func timeValue(t time.Time) Value { return Value{Num: t.Unix(), Time: t} }

func optTimeValue(t *time.Time) Value {
	if t == nil {
		return Value{Null: true}
	}
	return timeValue(*t)
}

// Business returns the record's location.
func (r *FailedCheckin) Business() int64 { return r.BusinessID }

// Value returns one field of the record (Valuer).
func (r *FailedCheckin) Value(f Field) (Value, bool) {
	switch f {
	case FieldID:
		return intValue(r.ID), true
	case FieldUniqueID:
		return textValue(r.UniqueID), true
	case FieldCoworkerID:
		return optIntValue(r.CoworkerID), true
	case FieldCoworkerFullName:
		return textValue(r.CoworkerFullName), true
	case FieldBusinessID:
		return intValue(r.BusinessID), true
	case FieldBusinessName:
		return textValue(r.BusinessName), true
	case FieldCheckinAttemptTime:
		return timeValue(r.CheckinAttemptTime), true
	case FieldSource:
		return intValue(int64(r.Source)), true
	case FieldMacAddresses:
		return textValue(r.MacAddresses), true
	case FieldTeams:
		return textValue(r.Teams), true
	case FieldTariff:
		return textValue(r.Tariff), true
	case FieldDescription:
		return textValue(r.Description), true
	case FieldCheckinAttemptTimeLocal:
		return timeValue(r.CheckinAttemptTimeLocal), true
	case FieldCreatedOn:
		return timeValue(r.CreatedOn), true
	case FieldUpdatedOn:
		return timeValue(r.UpdatedOn), true
	case FieldUpdatedBy:
		return optTextValue(r.UpdatedBy), true
	case FieldIsNew:
		return intValue(0), true
	case FieldSystemID:
		return optTextValue(r.SystemID), true
	case FieldReason:
		return optTextValue(r.Reason), true
	case FieldResolvedByCheckinID:
		return optIntValue(r.ResolvedByCheckinID), true
	case FieldResolvedOn:
		return optTimeValue(r.ResolvedOn), true
	}
	return Value{}, false
}

// Business returns the check-in's location.
func (c *Checkin) Business() int64 { return c.BusinessID }

// Value returns one field of the check-in (Valuer).
func (c *Checkin) Value(f Field) (Value, bool) {
	switch f {
	case FieldID:
		return intValue(c.ID), true
	case FieldUniqueID:
		return textValue(c.UniqueID), true
	case FieldCoworkerID:
		return intValue(c.CoworkerID), true
	case FieldCoworkerFullName:
		return textValue(c.CoworkerFullName), true
	case FieldBusinessID:
		return intValue(c.BusinessID), true
	case FieldBusinessName:
		return textValue(c.BusinessName), true
	case FieldSource:
		return intValue(int64(c.Source)), true
	case FieldFromTime:
		return timeValue(c.FromTime), true
	case FieldToTime:
		return optTimeValue(c.ToTime), true
	case FieldFromTimeLocal:
		return timeValue(c.FromTimeLocal), true
	case FieldToTimeLocal:
		return optTimeValue(c.ToTimeLocal), true
	case FieldMacAddresses:
		return textValue(c.MacAddresses), true
	case FieldTeams:
		return textValue(c.Teams), true
	case FieldTariff:
		return textValue(c.Tariff), true
	case FieldCreatedOn:
		return timeValue(c.CreatedOn), true
	case FieldUpdatedOn:
		return timeValue(c.UpdatedOn), true
	case FieldUpdatedBy:
		return optTextValue(c.UpdatedBy), true
	case FieldIsNew:
		return intValue(0), true
	case FieldSystemID:
		return optTextValue(c.SystemID), true
	}
	return Value{}, false
}

// Matches reports whether q's scope allows the record and the record
// passes every one of q's conditions (paging and order do not matter).
func (q Query) Matches(r Valuer) bool {
	return q.Scope.Allows(r.Business()) && MatchesAll(r, q.Conditions)
}

// MatchesAll reports whether the record passes every condition.
func MatchesAll(r Valuer, conds []Condition) bool {
	for _, c := range conds {
		if !c.Matches(r) {
			return false
		}
	}
	return true
}

// Matches reports whether the record passes the condition. A condition on
// a field the record does not have, or of an unknown kind, matches nothing:
// the parsers never build one, and failing closed sends no record that
// was not asked for.
func (c Condition) Matches(r Valuer) bool {
	v, ok := r.Value(c.Field)
	if !ok {
		return false
	}
	switch c.Match {
	case MatchInts:
		if v.Null {
			return c.Null
		}
		return slices.Contains(c.Ints, v.Num)
	case MatchContains:
		return !v.Null && len(c.Strings) > 0 && strings.Contains(Fold(v.Text), Fold(c.Strings[0]))
	case MatchEqualFold:
		if v.Null {
			return c.Null
		}
		return slices.ContainsFunc(c.Strings, func(s string) bool { return Fold(s) == Fold(v.Text) })
	case MatchExact:
		return !v.Null && slices.Contains(c.Strings, v.Text)
	case MatchTimeRange:
		if v.Null || v.IsText {
			return false // NULL >= x is not true
		}
		return (c.From.IsZero() || !v.Time.Before(c.From)) && (c.Until.IsZero() || v.Time.Before(c.Until))
	case MatchIntRange:
		return !v.Null && v.Num >= c.Min && v.Num <= c.Max
	case MatchNull:
		return v.Null == c.Null
	}
	return false
}

// CompareField orders two records by one field as search sorts them:
// null and "" first, text by its case folding (ties are the caller's to
// break, by Id). A field neither record has compares equal.
func CompareField(a, b Valuer, f Field) int {
	va, _ := a.Value(f)
	vb, _ := b.Value(f)
	if va.IsText {
		return strings.Compare(Fold(va.Text), Fold(vb.Text))
	}
	if va.Null || vb.Null {
		switch {
		case va.Null && vb.Null:
			return 0
		case va.Null:
			return -1
		default:
			return 1
		}
	}
	return cmp.Compare(va.Num, vb.Num)
}
