package api

import (
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// checkinJSON is the Checkin record on the wire (docs/api.md#searching-check-ins).
type checkinJSON struct {
	ID                       int64   `json:"Id"`
	UniqueID                 string  `json:"UniqueId"`
	CoworkerID               int64   `json:"CoworkerId"`
	CoworkerFullName         string  `json:"CoworkerFullName"`
	BusinessID               int64   `json:"BusinessId"`
	BusinessName             string  `json:"BusinessName"`
	Source                   int     `json:"Source"`
	FromTime                 string  `json:"FromTime"`
	ToTime                   *string `json:"ToTime"`
	FromTimeLocal            string  `json:"FromTimeLocal"`
	ToTimeLocal              *string `json:"ToTimeLocal"`
	MacAddresses             string  `json:"MacAddresses"`
	TeamsAtTheTimeOfCheckin  string  `json:"TeamsAtTheTimeOfCheckin"`
	TariffAtTheTimeOfCheckin string  `json:"TariffAtTheTimeOfCheckin"`
	CreatedOn                string  `json:"CreatedOn"`
	UpdatedOn                string  `json:"UpdatedOn"`
	UpdatedBy                *string `json:"UpdatedBy"`
	IsNew                    bool    `json:"IsNew"`
	SystemID                 *string `json:"SystemId"`
}

func toCheckinJSON(c *fc.Checkin) checkinJSON {
	return checkinJSON{
		ID: c.ID, UniqueID: c.UniqueID, CoworkerID: c.CoworkerID, CoworkerFullName: c.CoworkerFullName,
		BusinessID: c.BusinessID, BusinessName: c.BusinessName, Source: int(c.Source),
		FromTime: formatUTC(c.FromTime), ToTime: optionalTime(c.ToTime, formatUTC),
		FromTimeLocal: formatLocal(c.FromTimeLocal), ToTimeLocal: optionalTime(c.ToTimeLocal, formatLocal),
		MacAddresses: c.MacAddresses, TeamsAtTheTimeOfCheckin: c.Teams, TariffAtTheTimeOfCheckin: c.Tariff,
		CreatedOn: formatUTC(c.CreatedOn), UpdatedOn: formatUTC(c.UpdatedOn), UpdatedBy: c.UpdatedBy, SystemID: c.SystemID,
	}
}

func optionalTime(t *time.Time, format func(time.Time) string) *string {
	if t == nil {
		return nil
	}
	s := format(*t)
	return &s
}

// searchCheckins serves GET /api/spaces/checkins with the generic search
// parser and the Checkin parameter table.
func (s *Server) searchCheckins(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.Checkins.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	if q, err = caller.Restrict(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.checkins.Store.FindCheckins(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(page.Records), page.TotalItems)
	writeRecordPage(w, q, page.Records, page.TotalItems, checkinAppender(caller)) // pagejson.go
}

// getCheckin serves GET /api/spaces/checkins/{id}.
func (s *Server) getCheckin(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	c, err := s.checkins.Store.FindCheckinByID(r.Context(), caller.Scope, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCheckinJSON(caller.MaskCheckin(c)))
}
