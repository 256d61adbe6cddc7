package failedcheckins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// RolePrivacyErase erases a person (POST /api/privacy/erasures, PRIVACY.md
// section 2); full administrators hold it.
const RolePrivacyErase = "Privacy-Erase"

// ErasureSubject names the person an erasure is about: exactly one of
// its fields is set (Validate).
type ErasureSubject struct {
	CoworkerID int64  // their Id in the directory and on their records
	MacAddress string // one of their devices, in any case and separator
	Email      string // the email of their directory entry
}

// Validate returns an ErrInvalid error naming the field unless exactly one
// identifier is given and it is well formed.
func (s ErasureSubject) Validate() error {
	given := 0
	var bad []FieldError
	if s.CoworkerID != 0 {
		given++
		if s.CoworkerID < 0 {
			bad = append(bad, FieldError{Property: "CoworkerId", Message: "must be a positive integer", AttemptedValue: strconv.FormatInt(s.CoworkerID, 10)})
		}
	}
	if s.MacAddress != "" {
		given++
		if _, ok := NormalizeMAC(s.MacAddress); !ok {
			bad = append(bad, FieldError{Property: "MacAddress", Message: "must be a MAC address such as a4:5e:60:c2:19:0b", AttemptedValue: ShortValue(s.MacAddress)})
		}
	}
	if s.Email != "" {
		given++
		if e := strings.TrimSpace(s.Email); !strings.Contains(e, "@") || len(e) > 320 {
			bad = append(bad, FieldError{Property: "Email", Message: "must be an email address", AttemptedValue: ShortValue(s.Email)})
		}
	}
	if given != 1 {
		return Errorf(ErrInvalid, "Give exactly one of CoworkerId, MacAddress or Email.")
	}
	if len(bad) > 0 {
		return InvalidFields(bad)
	}
	return nil
}

// Kind names the identifier given: CoworkerId, MacAddress or Email.
func (s ErasureSubject) Kind() string {
	switch {
	case s.CoworkerID != 0:
		return "CoworkerId"
	case s.MacAddress != "":
		return "MacAddress"
	}
	return "Email"
}

// Identifier is the identifier given, normalized: the Id in decimal, the
// MAC address in lower case with colons (a4:5e:60:c2:19:0b), the email
// trimmed and in lower case. The audit trail keeps only its SHA-256
// (Hash), which an operator recomputes from the same text to prove an
// erasure (docs/privacy.md).
func (s ErasureSubject) Identifier() string {
	switch {
	case s.CoworkerID != 0:
		return strconv.FormatInt(s.CoworkerID, 10)
	case s.MacAddress != "":
		n, ok := NormalizeMAC(s.MacAddress)
		if !ok {
			return strings.ToLower(s.MacAddress)
		}
		return ColonMAC(n)
	}
	return strings.ToLower(strings.TrimSpace(s.Email))
}

// Hash is the SHA-256 of Identifier, in hex: what the audit trail holds
// instead of the identifier.
func (s ErasureSubject) Hash() string {
	sum := sha256.Sum256([]byte(s.Identifier()))
	return hex.EncodeToString(sum[:])
}

// AuditQuery is the Query of an erasure's audit entry: which kind of
// identifier, and its hash, never the identifier itself.
func (s ErasureSubject) AuditQuery() string {
	return "Identifier=" + s.Kind() + "&Sha256=" + s.Hash()
}

// ColonMAC writes a MAC address normalized by NormalizeMAC (12 hex
// digits) with colons: a4:5e:60:c2:19:0b.
func ColonMAC(n string) string {
	var b strings.Builder
	for i := 0; i < len(n); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(n[i:min(i+2, len(n))])
	}
	return b.String()
}

// PrivacyStore erases people and applies the retention windows
// (PRIVACY.md sections 2 and 3). Both run on the record changes of
// RecordChangeStore, so every total, statistic and export stays exact.
type PrivacyStore interface {
	// ErasePerson anonymizes, in one transaction, every FailedCheckin
	// and Checkin of the person s names (by their coworker Id, any of
	// their MAC addresses, the directory entry their email names),
	// removes their directory entry and the stored idempotency answers
	// of those records, and returns how many records it changed (0 when
	// there was nothing left to erase). by is who erases (UpdatedBy).
	ErasePerson(ctx context.Context, s ErasureSubject, by string) (int, error)

	// RetentionBatches called on the store itself run without the
	// retention lock, on any pooled connection: each batch is still one
	// correct transaction, but two servers may then apply the windows at
	// once. A retention run goes through TryRetentionLock's RetentionRun
	// (retention.Runner does); these are for tests and tools.
	RetentionBatches

	// TryRetentionLock makes this process the one that applies the
	// retention windows, when no other process sharing the database is
	// (PostgreSQL; SQLite has one writer anyway). ok is false when another
	// holds it; otherwise run is the run's batches, and run.Release gives
	// the lock back.
	TryRetentionLock(ctx context.Context) (run RetentionRun, ok bool, err error)
}

// RetentionBatches are the steps of a retention run, each in one short
// write transaction of its own.
type RetentionBatches interface {
	// RetainBatch anonymizes or deletes (b.Delete) up to b.Limit records
	// of b.Kind whose attempt (or check-in) time is before b.Before and
	// whose Id is above b.After, lowest Ids first, in one short write
	// transaction, and says how far it got.
	RetainBatch(ctx context.Context, b RetentionBatch) (RetentionProgress, error)

	// RetainAlerts anonymizes, as an erasure does, up to limit alert
	// incidents whose last refusal is before before and whose key still
	// names someone (a CoworkerId or MacAddresses value), and returns how
	// many it changed: the incidents keep no one longer than the records
	// they counted.
	RetainAlerts(ctx context.Context, before time.Time, limit int) (int, error)

	// DeleteAuditEntriesBefore deletes up to limit audit entries older
	// than before, oldest first, and returns how many it deleted.
	DeleteAuditEntriesBefore(ctx context.Context, before time.Time, limit int) (int, error)

	// PruneWebhookDeliveries deletes, of the next limit webhook
	// deliveries by Id after after, those that ended (Delivered or
	// Failed) before before (counted from when each ended, however long
	// it was pending), and says how far it got: the delivery log's
	// retention. A pending delivery is never deleted.
	PruneWebhookDeliveries(ctx context.Context, before time.Time, after int64, limit int) (RetentionProgress, error)
}

// RetentionRun is the retention run of the process that holds the
// retention lock (PrivacyStore.TryRetentionLock). On PostgreSQL its
// batches all run on the one connection that holds the lock, which keeps
// the statements it prepares: a batch's statements (one text per kind,
// whatever its size) and those of the count triggers are prepared once
// per run rather than once per pooled connection a batch happens to get
// (18-24 ms each, docs/benchmarks.md); between two batches that
// connection is in no transaction and holds no lock but the retention
// lock.
//
// A RetentionRun is not for concurrent use: its batches run one after
// another, on one goroutine at a time. Release must be called exactly
// once, when the run ends (a batch that failed included); a second call
// does nothing, and no batch may follow it.
type RetentionRun interface {
	RetentionBatches
	// Release ends the run: the lock (and its connection) go back.
	Release()
}

// RecordKind says which records a retention batch works on.
type RecordKind int

// The kinds of records.
const (
	KindFailedCheckins RecordKind = iota
	KindCheckins
)

// RetentionBatch is one step of a retention run (PrivacyStore.RetainBatch).
type RetentionBatch struct {
	Kind   RecordKind
	Delete bool      // delete the records; otherwise anonymize them
	Before time.Time // records before this time
	After  int64     // records with a larger Id
	Limit  int       // at most this many records
	By     string    // UpdatedBy of an anonymized record
}

// RetentionProgress is what a RetainBatch did.
type RetentionProgress struct {
	Changed int   // records anonymized or deleted
	Last    int64 // the largest Id the batch looked at: the next batch's After
	Done    bool  // no record past Last is older than Before
	// Held is how long the batch's write transaction took, from asking
	// for the writer to its commit: what the next batch is sized by.
	Held time.Duration
}
