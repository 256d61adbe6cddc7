package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// erasureValue is the Value of an erasure's answer.
type erasureValue struct {
	RecordsChanged int `json:"RecordsChanged"`
}

// erase serves POST /api/privacy/erasures (PRIVACY.md section 2,
// docs/api.md#erasing-a-person): the body names the person by exactly
// one of CoworkerId, MacAddress or Email, and every record of theirs is
// anonymized in one transaction. The audit entry holds the identifier's
// SHA-256 (audit.SetQuery), never the identifier; a query string is
// refused, since nothing may carry the identifier past the body.
func (s *Server) erase(w http.ResponseWriter, r *http.Request) {
	caller := callerFrom(r.Context())
	audit.SetCount(r.Context(), 0)
	if s.privacy == nil {
		s.writeError(w, r, fc.Errorf(fc.ErrNotFound, msgNotFound))
		return
	}
	if !caller.Scope.All() {
		// An erasure reaches every location the person went to.
		s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "An erasure covers every location: only a user not bound to locations may erase."))
		return
	}
	if r.URL.RawQuery != "" {
		s.writeError(w, r, fc.Errorf(fc.ErrInvalid, "This endpoint takes no query string: send the identifier in the body."))
		return
	}
	subject, err := readErasure(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetQuery(r.Context(), subject.AuditQuery())
	n, err := s.privacy.ErasePerson(r.Context(), subject, caller.Email)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetCount(r.Context(), int64(n))
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: strconv.Itoa(n) + " records were anonymized.",
		Value: erasureValue{RecordsChanged: n}, WasSuccessful: true})
}

// errNotInteger marks a CoworkerId that is not a JSON integer.
var errNotInteger = errors.New("not an integer")

// readErasure reads the body: one JSON object with exactly one of
// CoworkerId (a positive integer), MacAddress or Email (strings), and
// nothing else.
func readErasure(r *http.Request) (fc.ErasureSubject, error) {
	var subject fc.ErasureSubject
	fields, err := readFields(r)
	if err != nil {
		return subject, err
	}
	var bad []fc.FieldError
	for name, raw := range fields {
		switch name {
		case "coworkerid":
			// A number, never a string that holds one (which json.Number
			// would take): "must be a positive integer" means the type too.
			var n json.Number
			id, convErr := int64(0), error(nil)
			trimmed := bytes.TrimSpace(raw)
			if len(trimmed) == 0 || trimmed[0] == '"' || json.Unmarshal(trimmed, &n) != nil {
				convErr = errNotInteger
			} else {
				id, convErr = n.Int64()
			}
			if convErr != nil || id < 1 {
				bad = append(bad, fc.FieldError{Property: "CoworkerId", Message: "must be a positive integer", AttemptedValue: attempted(raw)})
				continue
			}
			subject.CoworkerID = id
		case "macaddress", "email":
			var v string
			if json.Unmarshal(raw, &v) != nil || v == "" {
				prop := map[string]string{"macaddress": "MacAddress", "email": "Email"}[name]
				bad = append(bad, fc.FieldError{Property: prop, Message: "must be a non-empty string", AttemptedValue: attempted(raw)})
				continue
			}
			if name == "email" {
				subject.Email = v
			} else {
				subject.MacAddress = v
			}
		default:
			bad = append(bad, fc.FieldError{Property: name, Message: "is not a field of an erasure: give exactly one of CoworkerId, MacAddress or Email"})
		}
	}
	if len(bad) > 0 {
		slices.SortFunc(bad, func(a, b fc.FieldError) int { return strings.Compare(a.Property, b.Property) })
		return subject, fc.InvalidFields(bad)
	}
	return subject, subject.Validate()
}
