package api

import (
	"io"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// EvaluatePath is the dry run of an attempt (docs/checkins.md#would-they-get-in).
const EvaluatePath = "/api/spaces/checkins/evaluate"

// checkJSON is one rule's outcome on the wire.
type checkJSON struct {
	Rule   string `json:"Rule"`
	Passed bool   `json:"Passed"`
	Detail string `json:"Detail"`
}

// evaluationJSON is the answer of the dry run.
type evaluationJSON struct {
	Admitted      bool        `json:"Admitted"`
	Reason        *string     `json:"Reason"`      // null when admitted
	Description   *string     `json:"Description"` // null when admitted
	Checks        []checkJSON `json:"Checks"`
	NextAdmission *string     `json:"NextAdmission"`
	Fixes         []string    `json:"Fixes"`
}

func toEvaluationJSON(e *fc.Evaluation) evaluationJSON {
	out := evaluationJSON{Admitted: e.Verdict.Accepted(), Checks: make([]checkJSON, len(e.Checks)), Fixes: e.Fixes}
	if !out.Admitted {
		reason, desc := e.Verdict.Reason, e.Verdict.Description
		out.Reason, out.Description = &reason, &desc
	}
	for i, c := range e.Checks {
		out.Checks[i] = checkJSON{Rule: c.Rule, Passed: c.Passed, Detail: c.Detail}
	}
	if e.NextAdmission != nil {
		t := formatUTC(*e.NextAdmission)
		out.NextAdmission = &t
	}
	if out.Fixes == nil {
		out.Fixes = []string{}
	}
	return out
}

// evaluateCheckin serves POST /api/spaces/checkins/evaluate: the attempt
// of the body judged by the pipeline's rules (fc.EvaluateAll) against the
// current directory and stored check-ins. It only reads: nothing is
// recorded, no idempotency key is kept, no verdict is counted.
func (s *Server) evaluateCheckin(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.checkins.Now()
	a, err := parseEvaluation(body, now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// As for an attempt: another location is an unknown business.
	if caller := callerFrom(r.Context()); caller == nil || !caller.Scope.Allows(a.BusinessID) {
		s.writeError(w, r, fc.UnknownBusinessError(a.BusinessID))
		return
	}
	ctx := r.Context()
	dir, err := s.checkins.Directory.Directory(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	e, err := fc.EvaluateAll(dir, a, fc.StoredCheckinCount(ctx, s.checkins.Store))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	callerFrom(ctx).MaskEvaluation(e) // the texts name the coworker
	writeJSON(w, http.StatusOK, toEvaluationJSON(e))
}

// parseEvaluation reads the body of a dry run: an attempt's body, read by
// the same field readers as parseAttempt, whose FromTime may lie up to
// fc.MaxEvaluateAhead ahead.
func parseEvaluation(body []byte, now time.Time) (*fc.Attempt, error) {
	var fields attemptFields
	if err := readObject(body, &fields); err != nil {
		return nil, err
	}
	a := &fc.Attempt{FromTime: now.UTC().Truncate(time.Second)}
	var bad []fc.FieldError
	for _, fe := range []*fc.FieldError{
		requiredInt(fields[fieldBusinessID], "BusinessId", &a.BusinessID),
		source(fields[fieldSource], &a.Source),
		optionalInt(fields[fieldCoworkerID], "CoworkerId", &a.CoworkerID),
		optionalString(fields[fieldMacAddresses], "MacAddresses", &a.MacAddresses),
		optionalString(fields[fieldAccessCardID], "AccessCardId", &a.AccessCardID),
		fromTime(fields[fieldFromTime], &a.FromTime),
	} {
		if fe != nil {
			bad = append(bad, *fe)
		}
	}
	if len(bad) > 0 {
		return nil, fc.InvalidFields(bad)
	}
	return a, a.ValidateEvaluation(now)
}
