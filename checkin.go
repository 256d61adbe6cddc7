package failedcheckins

import (
	"context"
	"time"
)

// Checkin is an accepted check-in (docs/api.md#searching-check-ins).
type Checkin struct {
	ID               int64
	UniqueID         string // lower-case UUID; v7 when the service made it
	CoworkerID       int64
	CoworkerFullName string
	BusinessID       int64
	BusinessName     string
	Source           Source
	FromTime         time.Time  // UTC, whole seconds
	ToTime           *time.Time // nil while the check-in is open
	// FromTimeLocal and ToTimeLocal are wall-clock times at the location,
	// held in UTC as containers (like CheckinAttemptTimeLocal).
	FromTimeLocal time.Time
	ToTimeLocal   *time.Time
	MacAddresses  string
	Teams         string // TeamsAtTheTimeOfCheckin
	Tariff        string // TariffAtTheTimeOfCheckin
	CreatedOn     time.Time
	UpdatedOn     time.Time
	UpdatedBy     *string
	SystemID      *string
}

// The fields of a Checkin that a FailedCheckin does not have; the others
// (Id, UniqueId, CoworkerId, ...) share the FailedCheckin constants.
const (
	FieldFromTime      Field = "FromTime"
	FieldToTime        Field = "ToTime"
	FieldFromTimeLocal Field = "FromTimeLocal"
	FieldToTimeLocal   Field = "ToTimeLocal"
)

// CheckinFields lists the fields of a Checkin in the order of
// docs/api.md#searching-check-ins; every one of them is a valid sort field.
var CheckinFields = []Field{
	FieldID, FieldUniqueID, FieldCoworkerID, FieldCoworkerFullName, FieldBusinessID, FieldBusinessName,
	FieldSource, FieldFromTime, FieldToTime, FieldFromTimeLocal, FieldToTimeLocal, FieldMacAddresses,
	FieldTeams, FieldTariff, FieldCreatedOn, FieldUpdatedOn, FieldUpdatedBy, FieldIsNew, FieldSystemID,
}

// CheckinPage is one page of Checkin search results with the exact total.
type CheckinPage struct {
	Records    []*Checkin
	TotalItems int64
}

// CheckinStore reads Checkin records under the same rules as
// FailedCheckinStore: the caller's Scope applies inside every query.
// Checkins are written only by AttemptStore.RecordAttempts.
type CheckinStore interface {
	// FindCheckinByID returns the check-in, or an ErrNotFound error when it
	// does not exist or lies outside scope.
	FindCheckinByID(ctx context.Context, scope Scope, id int64) (*Checkin, error)
	// FindCheckins returns the page q selects, in q's order, and the exact
	// number of matching records.
	FindCheckins(ctx context.Context, q Query) (*CheckinPage, error)
}

// Roles of the check-in endpoints (docs/api.md#roles-and-location-scope).
const (
	RoleCheckinCreate = "Checkin-Create"
	RoleCheckinList   = "Checkin-List"
	RoleCheckinRead   = "Checkin-Read"
)
