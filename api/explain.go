package api

import (
	"net/http"
	"net/url"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// explanationJSON is a catalogue entry on the wire
// (docs/api.md#reasons-and-explanations).
type explanationJSON struct {
	Code          string `json:"Code"`
	Title         string `json:"Title"`
	Explanation   string `json:"Explanation"`
	StaffAction   string `json:"StaffAction"`
	MemberMessage string `json:"MemberMessage"`
}

func toExplanationJSON(e *fc.ReasonExplanation) *explanationJSON {
	if e == nil {
		return nil
	}
	return &explanationJSON{Code: e.Code, Title: e.Title, Explanation: e.Explanation, StaffAction: e.StaffAction, MemberMessage: e.MemberMessage}
}

// explainedJSON is a record with its explanation (get-one with
// ?explain=true): the record's fields, then Explanation, null for a record
// without a known reason.
type explainedJSON struct {
	failedCheckinJSON
	Explanation *explanationJSON `json:"Explanation"`
}

// failedCheckinReaders are the roles that read FailedCheckins; any one of
// them may read the catalogue, which holds no record.
var failedCheckinReaders = []string{fcRoleList, fcRoleRead}

// listReasons serves GET /api/spaces/failedcheckins/reasons: every reason
// code in rule order with its texts and {Placeholders}.
func (s *Server) listReasons(w http.ResponseWriter, r *http.Request) {
	c := callerFrom(r.Context())
	allowed := false
	for _, role := range failedCheckinReaders {
		allowed = allowed || c.HasRole(role)
	}
	if !allowed {
		s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "The %s role is required.", strings.Join(failedCheckinReaders, " or ")))
		return
	}
	out := []explanationJSON{} // a JSON array, in rule order
	for _, e := range fc.Reasons() {
		out = append(out, *toExplanationJSON(&e))
	}
	writeJSON(w, http.StatusOK, out)
}

// explainParam reads get-one's explain parameter (any case, like every
// parameter name): true or false, any case; absent or empty is false.
func explainParam(query url.Values) (bool, error) {
	var value string
	var seen bool
	for name, vs := range query {
		if !strings.EqualFold(name, "explain") {
			continue
		}
		for _, v := range vs {
			if seen && v != value {
				return false, fc.InvalidFields([]fc.FieldError{{Property: "explain",
					Message: "is given more than once with different values", AttemptedValue: v}})
			}
			value, seen = v, true
		}
	}
	switch strings.ToLower(value) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fc.InvalidFields([]fc.FieldError{{Property: "explain", Message: "must be true or false", AttemptedValue: value}})
}

// withExplanation is the answer of get-one: the record, and with explain
// its Explanation filled with the record's values.
func withExplanation(rec *fc.FailedCheckin, explain bool) any {
	if !explain {
		return toFailedCheckinJSON(rec)
	}
	return explainedJSON{failedCheckinJSON: toFailedCheckinJSON(rec), Explanation: toExplanationJSON(fc.Explain(rec))}
}
