package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"

	fc "github.com/failedcheckins/failedcheckins"
)

// IdempotencyHeader makes a POST safe to retry (docs/checkins.md#idempotency).
//
// The same key from the same user within 24 hours returns the first
// answer (rebuilt from the stored outcome, so byte for byte the same) and
// writes nothing. The same key with a different body is a 409 Conflict:
// the client reused a key by mistake, and replaying an answer to another
// request would be wrong. (The IETF draft suggests 422; 409 keeps the
// service's one code-to-status map and is what Nexudus-style clients
// already treat as "do not retry".)
const IdempotencyHeader = "Idempotency-Key"

// idempotencyKey returns the key of r, or nil when it has none.
func idempotencyKey(r *http.Request, caller *fc.Caller, body []byte) (*fc.IdempotencyKey, error) {
	values := r.Header.Values(IdempotencyHeader)
	if len(values) == 0 {
		return nil, nil
	}
	key := values[0]
	if len(values) > 1 {
		return nil, fc.InvalidFields([]fc.FieldError{{Property: IdempotencyHeader, Message: "must be given once", AttemptedValue: fc.ShortValue(key)}})
	}
	// Checked here, before the attempt joins a batch: a key the store
	// cannot keep (not UTF-8, a NUL) is this request's 400 alone.
	if msg := fc.CheckIdempotencyKey(key); msg != "" {
		return nil, fc.InvalidFields([]fc.FieldError{{Property: IdempotencyHeader, Message: msg, AttemptedValue: fc.ShortValue(key)}})
	}
	sum := sha256.Sum256(body)
	return &fc.IdempotencyKey{UserID: caller.UserID, Key: key, Fingerprint: hex.EncodeToString(sum[:])}, nil
}
