package api

import (
	"net/http"
	"strconv"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// Wire formats of times (docs/api.md#the-failedcheckin-record): UTC with a Z, local without offset.
const (
	utcLayout   = "2006-01-02T15:04:05Z"
	localLayout = "2006-01-02T15:04:05"
)

// failedCheckinJSON is the FailedCheckin record on the wire, fields in the
// order of docs/api.md#the-failedcheckin-record. It is converted explicitly from the domain type
// so that renaming a domain field never changes the JSON.
type failedCheckinJSON struct {
	ID                       int64   `json:"Id"`
	UniqueID                 string  `json:"UniqueId"`
	CoworkerID               *int64  `json:"CoworkerId"`
	CoworkerFullName         string  `json:"CoworkerFullName"`
	BusinessID               int64   `json:"BusinessId"`
	BusinessName             string  `json:"BusinessName"`
	CheckinAttemptTime       string  `json:"CheckinAttemptTime"`
	Source                   int     `json:"Source"`
	MacAddresses             string  `json:"MacAddresses"`
	TeamsAtTheTimeOfCheckin  string  `json:"TeamsAtTheTimeOfCheckin"`
	TariffAtTheTimeOfCheckin string  `json:"TariffAtTheTimeOfCheckin"`
	Description              string  `json:"Description"`
	CheckinAttemptTimeLocal  string  `json:"CheckinAttemptTimeLocal"`
	CreatedOn                string  `json:"CreatedOn"`
	UpdatedOn                string  `json:"UpdatedOn"`
	UpdatedBy                *string `json:"UpdatedBy"`
	IsNew                    bool    `json:"IsNew"`
	SystemID                 *string `json:"SystemId"`
	Reason                   *string `json:"Reason"`
	ResolvedByCheckinID      *int64  `json:"ResolvedByCheckinId"`
	ResolvedOn               *string `json:"ResolvedOn"`
}

// toFailedCheckinJSON converts a domain record to its wire shape.
func toFailedCheckinJSON(r *fc.FailedCheckin) failedCheckinJSON {
	return failedCheckinJSON{
		ID:                       r.ID,
		UniqueID:                 r.UniqueID,
		CoworkerID:               r.CoworkerID,
		CoworkerFullName:         r.CoworkerFullName,
		BusinessID:               r.BusinessID,
		BusinessName:             r.BusinessName,
		CheckinAttemptTime:       formatUTC(r.CheckinAttemptTime),
		Source:                   int(r.Source),
		MacAddresses:             r.MacAddresses,
		TeamsAtTheTimeOfCheckin:  r.Teams,
		TariffAtTheTimeOfCheckin: r.Tariff,
		Description:              r.Description,
		CheckinAttemptTimeLocal:  formatLocal(r.CheckinAttemptTimeLocal),
		CreatedOn:                formatUTC(r.CreatedOn),
		UpdatedOn:                formatUTC(r.UpdatedOn),
		UpdatedBy:                r.UpdatedBy,
		IsNew:                    false, // stored records are never new
		SystemID:                 r.SystemID,
		Reason:                   r.Reason,
		ResolvedByCheckinID:      r.ResolvedByCheckinID,
		ResolvedOn:               optionalTime(r.ResolvedOn, formatUTC),
	}
}

// formatUTC writes t in UTC with seconds precision.
func formatUTC(t time.Time) string { return t.UTC().Truncate(time.Second).Format(utcLayout) }

// formatLocal writes a wall-clock time as it is, never converting it: the
// domain keeps it in a UTC time.Time only as a container.
func formatLocal(t time.Time) string { return t.Truncate(time.Second).Format(localLayout) }

// searchFailedCheckins serves GET /api/spaces/failedcheckins.
func (s *Server) searchFailedCheckins(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.FailedCheckins.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	if q, err = caller.Restrict(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.store.FindFailedCheckins(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.metrics.ObserveSearch("FailedCheckin", page.TotalItems, len(page.Records))
	audit.SetPage(r.Context(), len(page.Records), page.TotalItems)
	writeRecordPage(w, q, page.Records, page.TotalItems, failedCheckinAppender(caller)) // pagejson.go
}

// getFailedCheckin serves GET /api/spaces/failedcheckins/{id}.
func (s *Server) getFailedCheckin(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	explain, err := explainParam(r.URL.Query()) // explain.go
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	rec, err := s.store.FindFailedCheckinByID(r.Context(), caller.Scope, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Masked before the explanation is written, which repeats the name
	// and the MAC addresses.
	writeJSON(w, http.StatusOK, withExplanation(caller.MaskFailedCheckin(rec), explain))
}

// parseID reads a record id from the path: a positive integer, or 400. A
// number too large for an id names no record, so it is a 404, not a 400.
func parseID(text string) (int64, error) {
	for _, c := range []byte(text) {
		if c < '0' || c > '9' {
			return 0, badID(text)
		}
	}
	id, err := strconv.ParseInt(text, 10, 64)
	switch {
	case text == "":
		return 0, badID(text)
	case err != nil:
		return 0, fc.Errorf(fc.ErrNotFound, msgNotFound)
	case id < 1:
		return 0, badID(text)
	}
	return id, nil
}

func badID(text string) error {
	return fc.InvalidFields([]fc.FieldError{{Property: "id", Message: "must be a positive whole number", AttemptedValue: text}})
}
