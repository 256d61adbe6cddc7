package api

import (
	"context"
	"io"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CheckinConfig wires the check-in endpoints (docs/checkins.md); a nil
// Config.Checkins leaves them out.
type CheckinConfig struct {
	Store     fc.CheckinStore
	Directory fc.DirectoryStore
	// Attempts judges and records attempts (groupcommit.Queue).
	Attempts AttemptSubmitter
	// Now is the clock of FromTime's default and of its future limit; nil
	// means time.Now.
	Now func() time.Time
}

// AttemptSubmitter records an attempt durably before it returns.
type AttemptSubmitter interface {
	Submit(ctx context.Context, a *fc.Attempt) (*fc.Outcome, error)
}

// commandJSON is the Nexudus answer to a command: a refusal is a failed
// command with status 200, not an HTTP error.
type commandJSON struct {
	Status        int    `json:"Status"`
	Message       string `json:"Message"`
	Value         any    `json:"Value"`
	WasSuccessful bool   `json:"WasSuccessful"`
}

type acceptedValue struct {
	ID int64 `json:"Id"`
}

type refusedValue struct {
	FailedCheckinID int64  `json:"FailedCheckinId"`
	Reason          string `json:"Reason"`
}

// createCheckin serves POST /api/spaces/checkins: parse, submit (which
// returns after the commit), answer.
func (s *Server) createCheckin(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	a, err := parseAttempt(body, s.checkins.Now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A device bound to some locations may not write elsewhere; it gets the
	// unknown-business answer so other locations' ids stay hidden.
	if caller == nil || !caller.Scope.Allows(a.BusinessID) {
		s.writeError(w, r, fc.UnknownBusinessError(a.BusinessID))
		return
	}
	if a.Idempotency, err = idempotencyKey(r, caller, body); err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.checkins.Attempts.Submit(r.Context(), a)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !out.Replayed { // a retry's stored answer was judged once already
		s.metrics.ObserveVerdict(out.Reason)
	}
	s.streams.committed(outcomeStream(out), out.ID) // committed: wake the live streams (stream.go)
	writeOutcome(w, out)
}

// outcomeJSON is the answer for an outcome; a replayed outcome gives the
// same bytes, since it is built from the stored values alone.
func outcomeJSON(out *fc.Outcome) commandJSON {
	if out.Accepted {
		return commandJSON{Status: 200, Message: "Checkin was successfully created.", Value: acceptedValue{ID: out.ID}, WasSuccessful: true}
	}
	return commandJSON{Status: 200, Message: out.Description, Value: refusedValue{FailedCheckinID: out.ID, Reason: out.Reason}}
}

// requireAdmin lets only full administrators through (the directory
// holds every coworker's details, whatever their location). No role is
// enough, so the 403 names what is: a full administrator.
func (s *Server) requireAdmin(h http.HandlerFunc) http.Handler {
	return s.require("", func(w http.ResponseWriter, r *http.Request) {
		if c := callerFrom(r.Context()); c == nil || !c.Admin {
			s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "Only full administrators may read or change the directory."))
			return
		}
		h(w, r)
	})
}
