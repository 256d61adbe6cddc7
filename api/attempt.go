package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CheckinConfig wires the check-in endpoints (CHECKINS.md); a nil
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

// checkinRoutes registers the check-in and directory endpoints.
func (s *Server) checkinRoutes(mux *http.ServeMux) {
	if s.checkins == nil {
		return
	}
	if s.checkins.Now == nil {
		s.checkins.Now = time.Now
	}
	mux.Handle("GET /api/spaces/checkins", s.require(fc.RoleCheckinList, s.searchCheckins))
	mux.Handle("POST /api/spaces/checkins", s.require(fc.RoleCheckinCreate, s.createCheckin))
	mux.HandleFunc("/api/spaces/checkins", s.methodNotAllowed("GET, HEAD, POST"))
	s.readOnly(mux, "/api/spaces/checkins/{id}", s.require(fc.RoleCheckinRead, s.getCheckin))
	mux.Handle("GET /api/directory", s.requireAdmin(s.getDirectory))
	mux.Handle("PUT /api/directory", s.requireAdmin(s.putDirectory))
	mux.HandleFunc("/api/directory", s.methodNotAllowed("GET, HEAD, PUT"))
}

// attemptJSON is the body of POST /api/spaces/checkins (CHECKINS.md
// section 2). Unknown fields are ignored, as Nexudus clients send extras.
type attemptJSON struct {
	BusinessID   int64           `json:"BusinessId"`
	Source       json.RawMessage `json:"Source"` // 0-5 or a name
	CoworkerID   *int64          `json:"CoworkerId"`
	MacAddresses string          `json:"MacAddresses"`
	AccessCardID string          `json:"AccessCardId"`
	FromTime     *string         `json:"FromTime"`
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
	writeJSON(w, http.StatusOK, outcomeJSON(out))
}

// outcomeJSON is the answer for an outcome; a replayed outcome gives the
// same bytes, since it is built from the stored values alone.
func outcomeJSON(out *fc.Outcome) commandJSON {
	if out.Accepted {
		return commandJSON{Status: 200, Message: "Checkin was successfully created.", Value: acceptedValue{ID: out.ID}, WasSuccessful: true}
	}
	return commandJSON{Status: 200, Message: out.Description, Value: refusedValue{FailedCheckinID: out.ID, Reason: out.Reason}}
}

// parseAttempt reads and validates the body; every problem is a 400.
func parseAttempt(body []byte, now time.Time) (*fc.Attempt, error) {
	var in attemptJSON
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&in); err != nil {
		return nil, badBody(err)
	}
	a := &fc.Attempt{BusinessID: in.BusinessID, CoworkerID: in.CoworkerID, MacAddresses: in.MacAddresses,
		AccessCardID: in.AccessCardID, FromTime: now.UTC().Truncate(time.Second)}
	var bad []fc.FieldError
	if src, ok := parseSourceJSON(in.Source); ok {
		a.Source = src
	} else {
		bad = append(bad, fc.FieldError{Property: "Source", Message: "must be 0-5 or a source name such as DoorAccess", AttemptedValue: string(in.Source)})
	}
	if in.FromTime != nil {
		t, err := time.Parse(time.RFC3339, *in.FromTime)
		if err != nil {
			bad = append(bad, fc.FieldError{Property: "FromTime", Message: "must be a UTC time such as 2026-03-29T00:30:00Z", AttemptedValue: *in.FromTime})
		}
		a.FromTime = t.UTC().Truncate(time.Second)
	}
	if len(bad) > 0 {
		return nil, fc.InvalidFields(bad)
	}
	return a, a.Validate(now)
}

func parseSourceJSON(raw json.RawMessage) (fc.Source, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return fc.SourceNone, true
	}
	var n int
	if err := json.Unmarshal(raw, &n); err == nil {
		return fc.Source(n), fc.Source(n).Valid()
	}
	var name string
	if err := json.Unmarshal(raw, &name); err != nil {
		return 0, false
	}
	s, err := fc.ParseSource(name)
	return s, err == nil
}

// badBody describes a body that is not the expected JSON.
func badBody(err error) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fc.InvalidFields([]fc.FieldError{{Property: typ.Field, Message: "must be a " + typ.Type.String() + ", not a JSON " + typ.Value}})
	}
	if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
		return err
	}
	return fc.Errorf(fc.ErrInvalid, "The body must be a JSON object such as {\"BusinessId\": 1001, \"Source\": 2, \"CoworkerId\": 100001}.")
}

// requireAdmin lets only full administrators through (the directory
// holds every coworker's details, whatever their location).
func (s *Server) requireAdmin(h http.HandlerFunc) http.Handler {
	return s.require(fc.RoleCheckinCreate, func(w http.ResponseWriter, r *http.Request) {
		if c := callerFrom(r.Context()); c == nil || !c.Admin {
			s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "Only full administrators may read or change the directory."))
			return
		}
		h(w, r)
	})
}
