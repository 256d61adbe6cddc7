package api

import (
	"net/http"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// The audit trail (PRIVACY.md section 1, docs/api.md#the-audit-trail).
//
// One mechanism writes the entries of every HTTP channel: auditRequests,
// a layer of wrap, puts an audit.Note in each request's context; the
// authentication (authenticate) and the console's session fill in the
// caller, the handlers the number of records they returned; when the
// request ends, a request whose route is in auditedRoutes becomes one
// entry, whatever its status. Refused requests (401, 403, 404, 400, 429)
// are audited too: a security officer wants to see who tried.

// auditRoute says how a route's entry is counted when its handler
// reports no count.
type auditRoute struct {
	// one: a successful answer (2xx) holds one record or person (a
	// get-one, an evaluation); otherwise the handler reports the count
	// (audit.SetCount, SetPage, AddCount) and an answer it did not count
	// (an error) holds none.
	one bool
	// stream: a live stream (channel Stream). Its entry is written when
	// it ends, with the records it sent; serveStream writes another when
	// it opens (auditStreamOpen).
	stream bool
	// secret: the request may carry whom it is about (an erasure): the
	// entry's Query is only what the handler set (audit.SetQuery, the
	// identifier's hash), never the query string as sent.
	secret bool
}

// auditedRoutes are the route patterns (as routes.go registers them)
// whose requests return records or personal data, or change them. Every
// registered route is either here or in notAuditedRoutes
// (TestEveryRouteClassified), so a new route cannot be forgotten.
var auditedRoutes = map[string]auditRoute{
	"GET /api/spaces/failedcheckins":             {},
	"GET /api/spaces/failedcheckins/{id}":        {one: true},
	"GET /api/spaces/failedcheckins/export":      {},
	"GET /api/spaces/failedcheckins/stats":       {},
	"GET /api/spaces/checkins":                   {},
	"GET /api/spaces/checkins/{id}":              {one: true},
	"POST " + EvaluatePath:                       {one: true},
	"GET /api/directory":                         {},
	"PUT /api/directory":                         {},
	"GET /api/audit":                             {},
	"POST /api/privacy/erasures":                 {secret: true},
	"GET /console/failedcheckins":                {},
	"GET /console/failedcheckins/export":         {},
	"GET /console/failedcheckins/{id}":           {one: true},
	"POST /console/failedcheckins/{id}/evaluate": {one: true},
	"GET /console/coworkers/{id}":                {},
	"POST /console/coworkers/{id}/evaluate":      {},
	// Webhooks: changes made by a person, and their delivery logs (which
	// name records).
	"GET /api/sys/webhooks":                 {},
	"POST /api/sys/webhooks":                {one: true},
	"PUT /api/sys/webhooks":                 {one: true},
	"GET /api/sys/webhooks/{id}":            {one: true},
	"DELETE /api/sys/webhooks/{id}":         {one: true},
	"GET /api/sys/webhooks/{id}/deliveries": {},
	"POST /api/sys/webhooks/{id}/redeliver": {},
	// Alert rules (changes made by a person) and incidents (which name
	// coworkers and records).
	"GET /api/alerts/rules":                       {},
	"POST /api/alerts/rules":                      {one: true},
	"PUT /api/alerts/rules":                       {one: true},
	"GET /api/alerts/rules/{id}":                  {one: true},
	"DELETE /api/alerts/rules/{id}":               {one: true},
	"GET /api/alerts/incidents":                   {},
	"GET /api/alerts/incidents/{id}":              {one: true},
	"POST /api/alerts/incidents/{id}/acknowledge": {one: true},
	// The console's webhooks pages, as the API's: the list and a delivery
	// log (which names records) with their counts, and every change.
	"GET /console/webhooks":                 {},
	"POST /console/webhooks":                {one: true},
	"GET /console/webhooks/{id}":            {},
	"POST /console/webhooks/{id}/enable":    {one: true},
	"POST /console/webhooks/{id}/disable":   {one: true},
	"POST /console/webhooks/{id}/redeliver": {},
	// The console's alerts page, as the API's incidents.
	"GET /console/alerts":                             {},
	"POST /console/alerts/incidents/{id}/acknowledge": {one: true},
	// Live streams: one entry when the stream opens (count 0), one when
	// it ends, with the records it sent; a stream refused before it
	// opened (401, 400, 429) has the one entry of its answer.
	"GET /api/spaces/failedcheckins/stream": {stream: true},
	"GET /api/spaces/checkins/stream":       {stream: true},
	"GET /console/failedcheckins/stream":    {stream: true},
}

// notAuditedRoutes return no record and no personal data (health, the
// description, metrics, sign-in, the console's assets and redirects, the
// reason codes, 405s) or write records on their own account (check-in
// attempts are the records themselves, not a person reading them).
var notAuditedRoutes = map[string]bool{
	"GET /api/spaces/failedcheckins/reasons": true,
	"POST " + TokenPath:                      true,
	"POST /api/spaces/checkins":              true,
	"GET /healthz":                           true,
	"GET /readyz":                            true,
	"GET " + MetricsPath:                     true,
	"GET " + OpenAPIPath:                     true,
	"GET /console/assets/":                   true,
	"GET /console/{$}":                       true,
	"GET /console/signin":                    true,
	"POST /console/signin":                   true,
	"POST /console/signout":                  true,
	"GET " + EvaluatePath:                    true, // a 405
}

// auditRequests is the layer of wrap that writes the audit entry of each
// request to an audited route (auditedRoutes). It sits outside the
// recovery of panics, so a handler's panic is audited as the 500 it
// becomes, and an export aborted half-way (http.ErrAbortHandler) with
// the records it had sent. Without an Auditor it is not there at all.
//
// It allocates nothing of its own: the request's Note is part of its
// context (requestInfo, made by withRequestID), the status is the one
// logRequest records, and the entry is copied into the Auditor's buffer:
// auditing may cost a get-one of some 20 us of CPU at most 10%
// (PRIVACY.md; docs/benchmarks.md, "Audit").
func (s *Server) auditRequests(next http.Handler) http.Handler {
	if s.auditor == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, _ := r.Context().Value(requestInfoKey{}).(*requestInfo)
		if info == nil { // not under withRequestID: a test's partial chain
			info = &requestInfo{Context: r.Context()}
			r = r.WithContext(info)
		}
		info.audited = true // the context now answers audit.NoteFrom
		rec := info.rec
		if rec == nil {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		defer s.audit(r, info, rec)
		next.ServeHTTP(w, r)
	})
}

// audit records the entry of r, answered with rec's status, when its
// route is audited.
func (s *Server) audit(r *http.Request, info *requestInfo, rec *statusRecorder) {
	route, ok := auditedRoutes[info.pattern]
	if !ok {
		return
	}
	note := audit.NoteFrom(r.Context())
	status := cmpOr(rec.status, http.StatusOK)
	if route.one && !note.Counted && status < 300 {
		note.ResultCount = 1
	}
	channel := fc.ChannelAPI
	switch {
	case route.stream:
		channel = fc.ChannelStream
	case strings.HasPrefix(info.pattern, "GET /console/") || strings.HasPrefix(info.pattern, "POST /console/"):
		channel = fc.ChannelConsole
	}
	e := audit.FromRequest(r, channel, status)
	if route.secret && note.Query == nil {
		e.Query = ""
	}
	s.auditor.Record(r.Context(), e)
}

// auditStreamOpen writes the entry of a live stream that has just opened
// (PRIVACY.md section 1: one when it opens, one when it closes with the
// count sent): status 200, no record yet. The closing entry is the
// request's own (auditRequests).
func (s *Server) auditStreamOpen(r *http.Request) {
	if s.auditor == nil || audit.NoteFrom(r.Context()) == nil {
		return // auditing off, or a request that is not audited
	}
	e := audit.FromRequest(r, fc.ChannelStream, http.StatusOK)
	e.ResultCount, e.TotalItems = 0, nil
	s.auditor.Record(r.Context(), e)
}

// auditEntryJSON is an audit entry on the wire.
type auditEntryJSON struct {
	ID            int64  `json:"Id"`
	On            string `json:"On"`
	UserEmail     string `json:"UserEmail"`
	ClientAddress string `json:"ClientAddress"`
	Channel       string `json:"Channel"`
	Method        string `json:"Method"`
	Path          string `json:"Path"`
	Query         string `json:"Query"`
	Status        int    `json:"Status"`
	ResultCount   int64  `json:"ResultCount"`
	TotalItems    *int64 `json:"TotalItems"`
}

func toAuditEntryJSON(e *fc.AuditEntry) auditEntryJSON {
	return auditEntryJSON{ID: e.ID, On: formatUTC(e.On), UserEmail: e.UserEmail, ClientAddress: e.ClientAddress,
		Channel: string(e.Channel), Method: e.Method, Path: e.Path, Query: e.Query, Status: e.Status,
		ResultCount: e.ResultCount, TotalItems: e.TotalItems}
}

// searchAudit serves GET /api/audit: the audit trail, paged, sorted and
// filtered by the rules of every search (searchparams.Audit). The audit
// names no location: the role Audit-List is the gate, and a user who
// holds it reads every entry whatever locations they are bound to.
func (s *Server) searchAudit(w http.ResponseWriter, r *http.Request) {
	if s.audits == nil {
		s.writeError(w, r, fc.Errorf(fc.ErrNotFound, msgNotFound))
		return
	}
	q, err := searchparams.Audit.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	if q, err = caller.RestrictAudit(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	q.Scope = fc.AllBusinesses()
	page, err := s.audits.FindAuditEntries(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(page.Entries), page.TotalItems)
	writeJSON(w, http.StatusOK, newPageJSON(q, page.Entries, page.TotalItems, func(e *fc.AuditEntry) auditEntryJSON {
		out := toAuditEntryJSON(e)
		if caller.MasksPersonalData() {
			// Values other users typed (FailedCheckin_Coworker_FullName=…).
			out.Query = searchparams.RedactPersonal(out.Query)
		}
		return out
	}))
}
