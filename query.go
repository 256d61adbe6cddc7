package failedcheckins

import (
	"math"
	"time"
)

// Field is a record field by its canonical Nexudus name ("CheckinAttemptTime").
// Stores map fields to columns through one whitelist; a field they do not
// know is an error, never interpolated into SQL.
type Field string

// The fields of a FailedCheckin (docs/api.md#the-failedcheckin-record).
const (
	FieldID                      Field = "Id"
	FieldUniqueID                Field = "UniqueId"
	FieldCoworkerID              Field = "CoworkerId"
	FieldCoworkerFullName        Field = "CoworkerFullName"
	FieldBusinessID              Field = "BusinessId"
	FieldBusinessName            Field = "BusinessName"
	FieldCheckinAttemptTime      Field = "CheckinAttemptTime"
	FieldSource                  Field = "Source"
	FieldMacAddresses            Field = "MacAddresses"
	FieldTeams                   Field = "TeamsAtTheTimeOfCheckin"
	FieldTariff                  Field = "TariffAtTheTimeOfCheckin"
	FieldDescription             Field = "Description"
	FieldCheckinAttemptTimeLocal Field = "CheckinAttemptTimeLocal"
	FieldCreatedOn               Field = "CreatedOn"
	FieldUpdatedOn               Field = "UpdatedOn"
	FieldUpdatedBy               Field = "UpdatedBy"
	FieldIsNew                   Field = "IsNew"
	FieldSystemID                Field = "SystemId"
	FieldReason                  Field = "Reason"
	FieldResolvedByCheckinID     Field = "ResolvedByCheckinId"
	FieldResolvedOn              Field = "ResolvedOn"
)

// FailedCheckinFields lists the fields of a FailedCheckin in the order of
// docs/api.md#the-failedcheckin-record; every one of them is a valid sort field.
var FailedCheckinFields = []Field{
	FieldID, FieldUniqueID, FieldCoworkerID, FieldCoworkerFullName, FieldBusinessID, FieldBusinessName,
	FieldCheckinAttemptTime, FieldSource, FieldMacAddresses, FieldTeams, FieldTariff, FieldDescription,
	FieldCheckinAttemptTimeLocal, FieldCreatedOn, FieldUpdatedOn, FieldUpdatedBy, FieldIsNew, FieldSystemID,
	FieldReason, FieldResolvedByCheckinID, FieldResolvedOn,
}

// Page size limits (docs/api.md#paging-and-sorting).
const (
	DefaultPageSize = 25
	MaxPageSize     = 1000
)

// Match is the kind of test a Condition applies to its field.
type Match int

// The kinds of condition.
const (
	// MatchInts keeps records whose integer field is one of Ints, or is null
	// when Null is set.
	MatchInts Match = iota + 1
	// MatchContains keeps records whose text field contains Strings[0] as a
	// substring after Unicode case folding (Fold). Every character is
	// literal: there are no wildcards.
	MatchContains
	// MatchEqualFold keeps records whose text field equals one of Strings
	// after case folding, or is null when Null is set.
	MatchEqualFold
	// MatchExact keeps records whose text field equals one of Strings
	// exactly, byte for byte.
	MatchExact
	// MatchTimeRange keeps records with From <= field < Until. A zero From
	// or Until leaves that side open. For a local (wall-clock) field both
	// bounds are wall-clock times held in UTC, like the field itself.
	MatchTimeRange
	// MatchIntRange keeps records with Min <= field <= Max.
	MatchIntRange
	// MatchNull keeps records whose nullable field is null when Null is
	// set, and those whose field is not null otherwise (Resolved).
	MatchNull
)

// Condition is one test on one field. A Query keeps the records that pass
// every one of its conditions.
type Condition struct {
	Field Field
	// Param is the query parameter the condition was read from, as the
	// client spelled it ("FailedCheckin_Coworker_FullName"), for an error
	// that names it (Caller.Restrict); "" for a condition built in code.
	Param   string
	Match   Match
	Ints    []int64
	Strings []string
	Null    bool
	From    time.Time
	Until   time.Time
	Min     int64
	Max     int64
}

// Query selects a page of records: the conditions (ANDed), the caller's
// scope, the sort order and the page.
type Query struct {
	// Scope restricts the records to the caller's locations. The zero
	// Scope sees nothing.
	Scope      Scope
	Conditions []Condition
	// OrderBy is the sort field; ties are broken by Id in the same
	// direction. Text compares after case folding, and null or "" sort
	// before every other value in ascending order.
	OrderBy    Field
	Descending bool
	Page       int64 // 1-based
	Size       int   // 1..MaxPageSize
	// Requester is the id of the user an export is for, or 0 (the command
	// line, tests): an export counts against MaxExportsPerUser of its
	// requester as well as against MaxConcurrentExports. Searches ignore it.
	Requester int64
}

// Offset returns the number of records before the page, saturating instead
// of overflowing for absurd page numbers (such a page is simply empty).
func (q Query) Offset() int64 {
	if q.Page <= 1 {
		return 0
	}
	if q.Page-1 > math.MaxInt64/int64(max(q.Size, 1)) {
		return math.MaxInt64
	}
	return (q.Page - 1) * int64(q.Size)
}

// In returns a MatchInts condition.
func In(field Field, values ...int64) Condition {
	return Condition{Field: field, Match: MatchInts, Ints: values}
}

// Contains returns a MatchContains condition.
func Contains(field Field, text string) Condition {
	return Condition{Field: field, Match: MatchContains, Strings: []string{text}}
}

// Resolved returns the condition FailedCheckin_Resolved=true (resolved)
// or =false: ResolvedByCheckinId is set, or null.
func Resolved(resolved bool) Condition {
	return Condition{Field: FieldResolvedByCheckinID, Match: MatchNull, Null: !resolved}
}

// TimeRange returns a MatchTimeRange condition for from <= field < until.
func TimeRange(field Field, from, until time.Time) Condition {
	return Condition{Field: field, Match: MatchTimeRange, From: from, Until: until}
}
