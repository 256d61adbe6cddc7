package console

import (
	"net/http"
	"strconv"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// evaluationView is the answer of "would they get in now?" as the record
// page shows it: fc.EvaluateAll's evaluation, with NextAdmission written
// in the location's wall clock (and UTC) like every time in the console.
type evaluationView struct {
	At            string // the instant judged, local and UTC
	Admitted      bool
	Reason        string
	Description   string
	Checks        []fc.Check
	NextAdmission string // "" when none within fc.NextAdmissionHorizon
	NextISO       string
	Fixes         []string
	// Unavailable says why nothing could be judged (the location or the
	// record's identity is not in the directory any more); the other
	// fields are then empty.
	Unavailable string
}

// canEvaluate reports whether the session may run the dry run: the
// console's check is POST /api/spaces/checkins/evaluate by another door,
// so it needs that endpoint's role, Checkin-Evaluate, on top of
// FailedCheckin-Read for the record (docs/checkins.md#in-the-console).
func (c *Console) canEvaluate(s *session) bool {
	return c.cfg.Checkins != nil && c.cfg.Directory != nil && s.caller.HasRole(fc.RoleCheckinEvaluate)
}

// evaluateRecord serves POST /console/failedcheckins/{id}/evaluate: the
// record's page again, with the dry run of the record's identity at the
// record's location now. It writes nothing. The order of the checks is
// the point: the CSRF token first (nothing is read for a forged form), the
// role, then the record through the session's scope (a record at another
// location is the same 404 as on its page, and nothing is evaluated),
// and only then the directory.
func (c *Console) evaluateRecord(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was evaluated.")
		return
	}
	if !c.canEvaluate(s) {
		c.errorPage(w, r, http.StatusForbidden, "You need the "+fc.RoleCheckinEvaluate+" role to check whether someone would get in.")
		return
	}
	// The record unmasked, for the evaluation only: a masked user's copy
	// has its MAC addresses as **:**:**:**:19:0b, which identify no one.
	// The page shows the masked copy, and MaskEvaluationOf masks the
	// texts.
	rec, ok := c.findRecordUnmasked(w, r)
	if !ok {
		return
	}
	ev, err := c.evaluate(r, s, rec)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	c.renderRecord(w, r, s.caller.MaskFailedCheckin(rec), ev)
}

// evaluate judges the record's identity at its location at the current
// time with fc.EvaluateAll, the function behind the API's dry run, and the
// same count of stored check-ins (fc.StoredCheckinCount).
func (c *Console) evaluate(r *http.Request, s *session, rec *fc.FailedCheckin) (*evaluationView, error) {
	if !s.caller.Scope.Allows(rec.BusinessID) { // found through the scope; kept as a guard
		return nil, fc.Errorf(fc.ErrNotFound, "record outside the scope")
	}
	a := &fc.Attempt{BusinessID: rec.BusinessID, Source: rec.Source, FromTime: c.cfg.Now().UTC().Truncate(time.Second)}
	switch {
	case rec.CoworkerID != nil:
		a.CoworkerID = rec.CoworkerID
	case rec.MacAddresses != "":
		a.MacAddresses = rec.MacAddresses
	default:
		return &evaluationView{Unavailable: "The record names no coworker and no device, so there is no one to check."}, nil
	}
	return c.evaluateAttempt(r, a)
}

// evaluateAttempt runs the dry run of a (whose location the caller has
// been checked to see) against the current directory.
func (c *Console) evaluateAttempt(r *http.Request, a *fc.Attempt) (*evaluationView, error) {
	dir, err := c.cfg.Directory.Directory(r.Context())
	if err != nil {
		return nil, err
	}
	b := dir.Business(a.BusinessID)
	if b == nil {
		return &evaluationView{Unavailable: "Location " + strconv.FormatInt(a.BusinessID, 10) + " is no longer in the directory."}, nil
	}
	e, err := fc.EvaluateAll(dir, a, fc.StoredCheckinCount(r.Context(), c.cfg.Checkins))
	if err != nil {
		return nil, err
	}
	// The texts name the coworker and repeat the attempt's identifiers,
	// which came from a stored record or the directory, not from the
	// caller.
	sessionFrom(r.Context()).caller.MaskEvaluationOf(e, a)
	loc := b.Location()
	v := &evaluationView{
		At:       formatLocal(fc.WallClock(a.FromTime.In(loc)), a.FromTime) + " at " + b.Name + ", " + formatUTC(a.FromTime),
		Admitted: e.Verdict.Accepted(), Reason: e.Verdict.Reason, Description: e.Verdict.Description,
		Checks: e.Checks, Fixes: e.Fixes,
	}
	if n := e.NextAdmission; n != nil {
		v.NextAdmission = formatLocal(fc.WallClock(n.In(loc)), *n) + " local time, " + formatUTC(*n)
		v.NextISO = n.UTC().Format(time.RFC3339)
	}
	return v, nil
}
