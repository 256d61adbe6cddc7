package failedcheckins

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxFutureSkew is how far in the future an attempt's FromTime may lie:
// device clocks drift, but an attempt from tomorrow is a mistake.
const MaxFutureSkew = 5 * time.Minute

// Attempt is one check-in attempt as a device submits it
// (docs/checkins.md#check-in-attempts). Exactly one identity is set: CoworkerID, MacAddresses or
// AccessCardID.
type Attempt struct {
	BusinessID   int64
	Source       Source
	CoworkerID   *int64
	MacAddresses string // one or more, comma-separated, as sent
	AccessCardID string
	FromTime     time.Time // UTC, whole seconds

	// Idempotency, when set, makes a retry return the first outcome.
	Idempotency *IdempotencyKey
}

// IdempotencyKey identifies a request that may be retried: the same user
// and key within IdempotencyWindow get the first answer again, provided
// the request is the same (same Fingerprint).
type IdempotencyKey struct {
	UserID      int64
	Key         string
	Fingerprint string // a hash of the request body
}

// IdempotencyWindow is how long an idempotency key is remembered.
const IdempotencyWindow = 24 * time.Hour

// MaxIdempotencyKeyLength bounds the Idempotency-Key header.
const MaxIdempotencyKeyLength = 255

// CheckIdempotencyKey returns what is wrong with an Idempotency-Key, or
// "": 1 to MaxIdempotencyKeyLength bytes of text without control
// characters (valid UTF-8: the stores keep the key as text, and
// PostgreSQL refuses anything else).
func CheckIdempotencyKey(key string) string {
	if key == "" || len(key) > MaxIdempotencyKeyLength {
		return fmt.Sprintf("must be 1 to %d characters", MaxIdempotencyKeyLength)
	}
	return LineText.Problem(key)
}

// Outcome is the answer to an attempt: the record written and why.
type Outcome struct {
	Accepted    bool
	ID          int64  // the Checkin's Id when accepted, the FailedCheckin's otherwise
	Reason      string // the reason code; "" when accepted
	Description string // the Nexudus message of a refusal
	// Replayed marks the stored outcome of an idempotency key seen
	// before: nothing was judged or written this time, so it is not
	// counted as a verdict.
	Replayed bool
}

// AttemptStore judges and records attempts.
type AttemptStore interface {
	// RecordAttempts judges each attempt in order, in one write
	// transaction, against the current directory and the accepted
	// check-ins already stored (including those of earlier attempts of the
	// same batch), writes a Checkin or a FailedCheckin for each, and
	// commits before it returns. results[i] answers attempts[i]: an
	// attempt that cannot be judged (unknown business, an idempotency key
	// reused with another request) gets an error and writes nothing; a
	// failure of the store fails the whole batch (err), and nothing of it
	// is kept.
	RecordAttempts(ctx context.Context, attempts []*Attempt) (results []AttemptResult, err error)
}

// AttemptResult is the answer to one attempt of a batch.
type AttemptResult struct {
	Outcome *Outcome
	Err     error
}

// Limits of the identities an attempt carries: they are stored with every
// record (twice for a FailedCheckin), so a device must not be able to make
// one request write a megabyte. A real device sends a handful of addresses.
const (
	MaxMACAddresses      = 32
	MaxMACAddressesBytes = MaxLineLength // a refusal keeps the list as sent, in a one-line text column
	MaxAccessCardLength  = 64
)

// checkMACs returns what is wrong with a MacAddresses value, or "".
func checkMACs(list string) string {
	if len(list) > MaxMACAddressesBytes || strings.Count(list, ",") >= MaxMACAddresses {
		return fmt.Sprintf("must be at most %d MAC addresses and at most %d bytes", MaxMACAddresses, MaxMACAddressesBytes)
	}
	// A refusal record keeps the list as sent, so it must be text a
	// record can hold (no tab or line break around an address either).
	if p := LineText.Problem(list); p != "" {
		return p
	}
	for mac := range strings.SplitSeq(list, ",") {
		if _, ok := NormalizeMAC(strings.TrimSpace(mac)); !ok {
			return "must be MAC addresses such as a4-5e-60-c2-19-0b, comma-separated"
		}
	}
	return ""
}

// shorten keeps an error's AttemptedValue small when the value is not.
func shorten(v string) string {
	const keep = 64
	if len(v) <= keep {
		return v
	}
	return strings.ToValidUTF8(v[:keep], "") + "..."
}

// Validate checks what can be checked without the directory; now is the
// server's clock. Every problem is listed.
func (a *Attempt) Validate(now time.Time) error {
	var bad []FieldError
	add := func(p, m, v string) { bad = append(bad, FieldError{Property: p, Message: m, AttemptedValue: v}) }
	if a.BusinessID <= 0 {
		add("BusinessId", "is required and must be a positive integer", strconv.FormatInt(a.BusinessID, 10))
	}
	if !a.Source.Valid() {
		add("Source", "must be 0-5 or one of None, Manual, DoorAccess, NetworkActivity, Tile, Sensor", a.Source.String())
	}
	n := 0
	if a.CoworkerID != nil {
		n++
		if *a.CoworkerID <= 0 {
			add("CoworkerId", "must be a positive integer", strconv.FormatInt(*a.CoworkerID, 10))
		}
	}
	if a.MacAddresses != "" {
		n++
		if msg := checkMACs(a.MacAddresses); msg != "" {
			add("MacAddresses", msg, shorten(a.MacAddresses))
		}
	}
	if strings.TrimSpace(a.AccessCardID) != "" {
		n++
	}
	if len(a.AccessCardID) > MaxAccessCardLength {
		add("AccessCardId", fmt.Sprintf("must be at most %d bytes", MaxAccessCardLength), shorten(a.AccessCardID))
	} else if msg := LineText.Problem(a.AccessCardID); msg != "" {
		add("AccessCardId", msg, ShortValue(a.AccessCardID))
	}
	if n != 1 {
		add("CoworkerId", "give exactly one of CoworkerId, MacAddresses or AccessCardId", "")
	}
	if a.FromTime.After(now.Add(MaxFutureSkew)) {
		add("FromTime", "must not be more than 5 minutes in the future", a.FromTime.UTC().Format(time.RFC3339))
	}
	if k := a.Idempotency; k != nil {
		if msg := CheckIdempotencyKey(k.Key); msg != "" {
			add("Idempotency-Key", msg, ShortValue(k.Key))
		}
	}
	if len(bad) > 0 {
		return InvalidFields(bad)
	}
	return nil
}
