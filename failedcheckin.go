package failedcheckins

import (
	"context"
	"iter"
	"time"
)

// FailedCheckin records one rejected check-in attempt (docs/api.md#the-failedcheckin-record).
// Records are written by the service when it rejects an attempt, or by a
// bulk import of history. The service changes one afterwards only to
// resolve it (ResolvedByCheckinID) or to erase personal data
// (RecordChangeStore).
type FailedCheckin struct {
	ID               int64
	UniqueID         string // lower-case UUID; v7 when the service made it
	CoworkerID       *int64 // nil when the attempt could not be tied to a coworker
	CoworkerFullName string
	BusinessID       int64
	BusinessName     string
	// CheckinAttemptTime is the attempt in UTC, whole seconds.
	CheckinAttemptTime time.Time
	Source             Source
	MacAddresses       string
	Teams              string // TeamsAtTheTimeOfCheckin
	Tariff             string // TariffAtTheTimeOfCheckin
	Description        string
	// CheckinAttemptTimeLocal is the wall-clock time at the location. It has
	// no zone of its own: it is stored in a time.Time whose location is UTC
	// and must be read as a wall clock, never converted.
	CheckinAttemptTimeLocal time.Time
	CreatedOn               time.Time
	UpdatedOn               time.Time
	UpdatedBy               *string // nil for system-generated records
	SystemID                *string // nil unless imported with one
	Reason                  *string // nil for imported history without a code
	// ResolvedByCheckinID is the accepted check-in that followed the
	// refusal: the first of the same coworker at the same location within
	// ResolutionWindow after CheckinAttemptTime (docs/checkins.md). It and
	// ResolvedOn, the instant the service resolved the record, are nil
	// until then, and set together.
	ResolvedByCheckinID *int64
	ResolvedOn          *time.Time
}

// ResolutionWindow is how long after a refusal an accepted check-in of the
// same coworker at the same location resolves it ("did they get in
// anyway?"): an attempt at CheckinAttemptTime T is resolved by a check-in
// whose FromTime lies in [T, T+ResolutionWindow].
const ResolutionWindow = 60 * time.Minute

// Resolved reports whether an accepted check-in followed the refusal.
func (r *FailedCheckin) Resolved() bool { return r.ResolvedByCheckinID != nil }

// FailedCheckinPage is one page of search results with the exact total.
type FailedCheckinPage struct {
	Records    []*FailedCheckin
	TotalItems int64
}

// FailedCheckinStore keeps FailedCheckin records. Every read takes the
// caller's Scope and applies it inside the query, so records of locations
// the caller may not see are never loaded.
type FailedCheckinStore interface {
	// FindFailedCheckinByID returns the record with the given id, or an
	// ErrNotFound error when it does not exist or lies outside scope.
	FindFailedCheckinByID(ctx context.Context, scope Scope, id int64) (*FailedCheckin, error)

	// FindFailedCheckins returns the page of records that q selects, in q's
	// order, and the exact number of records that match q's conditions.
	FindFailedCheckins(ctx context.Context, q Query) (*FailedCheckinPage, error)

	// CreateFailedCheckins writes every record that records yields, in one
	// transaction: either all of them are stored, or (on the first error
	// yielded by the sequence or raised by the store) none is. Records keep
	// their ID when it is set (> 0) and get the next free one otherwise;
	// an ID that already exists is an ErrConflict error. It returns the
	// number of records written.
	CreateFailedCheckins(ctx context.Context, records iter.Seq2[*FailedCheckin, error]) (int, error)
}
