package api

import (
	"net/http"

	fc "github.com/failedcheckins/failedcheckins"
)

// directoryMaxBodyBytes is the body limit of PUT /api/directory: the
// whole directory in one document (GET /api/directory of the demo's
// 10,000 coworkers is about 3 MB), well above the server-wide limit.
const directoryMaxBodyBytes = 32 << 20

// consoleMaxBodyBytes caps the body of a console request, well below the
// API's limit: the console's forms are a few short fields.
const consoleMaxBodyBytes = 64 << 10

// routes registers every route the server answers: the API, the check-in
// endpoints and the operator console. It is the one place that lists
// them, so a reader sees the whole surface at a glance; every route gets
// the middleware of wrap (middleware.go). Roles are checked here for the
// API (require); the console's handlers check their session themselves.
func (s *Server) routes(mux *http.ServeMux) {
	// The FailedCheckin API (docs/api.md#search).
	s.readOnly(mux, "/api/spaces/failedcheckins", s.require(fcRoleList, s.searchFailedCheckins))
	s.readOnly(mux, "/api/spaces/failedcheckins/{id}", s.require(fcRoleRead, s.getFailedCheckin))
	mux.Handle("GET /api/spaces/failedcheckins/reasons", s.require("", s.listReasons)) // explain.go; any FailedCheckin role
	// Other methods on these two fall to the {id} pattern's JSON 405.
	mux.Handle("GET /api/spaces/failedcheckins/export", s.require(fcRoleList, s.exportFailedCheckins)) // export.go
	mux.Handle("GET /api/spaces/failedcheckins/stats", s.require(fcRoleList, s.failedCheckinStats))    // stats.go
	if s.streams != nil {                                                                              // live streams (stream.go)
		mux.Handle("GET /api/spaces/failedcheckins/stream", s.require(fcRoleList, s.streamHandler(failedCheckinStream)))
	}
	if s.token != nil {
		mux.Handle("POST "+TokenPath, s.metrics.instrumentToken(s.token))
		mux.HandleFunc(TokenPath, s.methodNotAllowed("POST"))
	}

	// Check-ins and the directory (docs/checkins.md; attempt.go, checkin.go).
	if s.checkins != nil {
		mux.Handle("GET /api/spaces/checkins", s.require(fc.RoleCheckinList, s.searchCheckins))
		mux.Handle("POST /api/spaces/checkins", s.require(fc.RoleCheckinCreate, s.requireJSON(http.HandlerFunc(s.createCheckin)).ServeHTTP))
		mux.HandleFunc("/api/spaces/checkins", s.methodNotAllowed("GET, HEAD, POST"))
		mux.Handle("GET /api/spaces/checkins/stream", s.require(fc.RoleCheckinList, s.streamHandler(checkinStream))) // stream.go
		// Get one, and the dry run (evaluate.go) beside it. The mux cannot
		// take a method-less pattern for the dry run's path beside
		// "GET .../{id}" (neither is more specific, a conflict), so every
		// other method on .../evaluate reaches the {id} pattern's fallback,
		// which answers that path's 405 (Allow: POST), and GET (HEAD too)
		// is named so that it does not read "evaluate" as an id.
		mux.Handle("GET /api/spaces/checkins/{id}", s.require(fc.RoleCheckinRead, s.getCheckin))
		onlyPost, onlyGet := s.methodNotAllowed("POST"), s.methodNotAllowed("GET, HEAD")
		mux.HandleFunc("/api/spaces/checkins/{id}", func(w http.ResponseWriter, r *http.Request) {
			if r.PathValue("id") == "evaluate" {
				onlyPost(w, r)
				return
			}
			onlyGet(w, r)
		})
		mux.Handle("POST "+EvaluatePath, s.require(fc.RoleCheckinEvaluate, s.requireJSON(http.HandlerFunc(s.evaluateCheckin)).ServeHTTP))
		mux.HandleFunc("GET "+EvaluatePath, onlyPost)
		mux.Handle("GET /api/directory", s.requireAdmin(s.getDirectory))
		mux.Handle("PUT /api/directory", s.requireAdmin(s.requireJSON(s.withBodyLimit(directoryMaxBodyBytes, http.HandlerFunc(s.putDirectory))).ServeHTTP))
		mux.HandleFunc("/api/directory", s.methodNotAllowed("GET, HEAD, PUT"))
	}

	// Webhooks (docs/api.md#webhooks; webhook.go).
	if s.webhooks != nil {
		mux.Handle("GET /api/sys/webhooks", s.require(fc.RoleWebhookList, s.listWebhooks))
		mux.Handle("POST /api/sys/webhooks", s.require(fc.RoleWebhookCreate, s.requireJSON(http.HandlerFunc(s.createWebhook)).ServeHTTP))
		mux.Handle("PUT /api/sys/webhooks", s.require(fc.RoleWebhookEdit, s.requireJSON(http.HandlerFunc(s.editWebhook)).ServeHTTP))
		mux.HandleFunc("/api/sys/webhooks", s.methodNotAllowed("GET, HEAD, POST, PUT"))
		mux.Handle("GET /api/sys/webhooks/{id}", s.require(fc.RoleWebhookRead, s.getWebhook))
		mux.Handle("DELETE /api/sys/webhooks/{id}", s.require(fc.RoleWebhookDelete, s.deleteWebhook))
		mux.HandleFunc("/api/sys/webhooks/{id}", s.methodNotAllowed("GET, HEAD, DELETE"))
		s.readOnly(mux, "/api/sys/webhooks/{id}/deliveries", s.require(fc.RoleWebhookRead, s.listDeliveries))
		mux.Handle("POST /api/sys/webhooks/{id}/redeliver", s.require(fc.RoleWebhookEdit, s.requireJSON(http.HandlerFunc(s.redeliver)).ServeHTTP))
		mux.HandleFunc("/api/sys/webhooks/{id}/redeliver", s.methodNotAllowed("POST"))
	}
	// Alert rules and incidents (docs/api.md#alert-rules; alert.go).
	if s.alerts != nil {
		mux.Handle("GET /api/alerts/rules", s.require(fc.RoleAlertRuleList, s.listAlertRules))
		mux.Handle("POST /api/alerts/rules", s.require(fc.RoleAlertRuleCreate, s.requireJSON(http.HandlerFunc(s.createAlertRule)).ServeHTTP))
		mux.Handle("PUT /api/alerts/rules", s.require(fc.RoleAlertRuleEdit, s.requireJSON(http.HandlerFunc(s.editAlertRule)).ServeHTTP))
		mux.HandleFunc("/api/alerts/rules", s.methodNotAllowed("GET, HEAD, POST, PUT"))
		mux.Handle("GET /api/alerts/rules/{id}", s.require(fc.RoleAlertRuleRead, s.getAlertRule))
		mux.Handle("DELETE /api/alerts/rules/{id}", s.require(fc.RoleAlertRuleDelete, s.deleteAlertRule))
		mux.HandleFunc("/api/alerts/rules/{id}", s.methodNotAllowed("GET, HEAD, DELETE"))
		s.readOnly(mux, "/api/alerts/incidents", s.require(fc.RoleAlertIncidentList, s.listAlertIncidents))
		s.readOnly(mux, "/api/alerts/incidents/{id}", s.require(fc.RoleAlertIncidentRead, s.getAlertIncident))
		mux.Handle("POST /api/alerts/incidents/{id}/acknowledge", s.require(fc.RoleAlertIncidentEdit, s.acknowledgeAlertIncident))
		mux.HandleFunc("/api/alerts/incidents/{id}/acknowledge", s.methodNotAllowed("POST"))
	}
	// The audit trail (audit.go, docs/api.md#the-audit-trail).
	s.readOnly(mux, "/api/audit", s.require(fc.RoleAuditList, s.searchAudit))
	// Erasure of a person (privacy.go, docs/api.md#erasing-a-person).
	mux.Handle("POST /api/privacy/erasures", s.require(fc.RolePrivacyErase, s.requireJSON(http.HandlerFunc(s.erase)).ServeHTTP))
	mux.HandleFunc("/api/privacy/erasures", s.methodNotAllowed("POST"))

	// Operations.
	s.readOnly(mux, "/healthz", http.HandlerFunc(s.healthz))
	s.readOnly(mux, "/readyz", http.HandlerFunc(s.readyz))
	s.readOnly(mux, MetricsPath, s.serveMetrics(s.metrics.handler()))
	s.readOnly(mux, OpenAPIPath, http.HandlerFunc(s.serveOpenAPI))

	// The operator console (package console), HTML for people.
	if c := s.console; c != nil {
		mux.Handle("/console", http.RedirectHandler(ConsolePath, http.StatusMovedPermanently))
		mux.Handle("GET /console/assets/", c.Assets())
		mux.Handle("GET /console/{$}", c.Home())
		mux.Handle("GET /console/signin", c.SignInPage())
		mux.Handle("POST /console/signin", limitBody(consoleMaxBodyBytes, c.SignIn()))
		mux.Handle("POST /console/signout", limitBody(consoleMaxBodyBytes, c.SignOut()))
		mux.Handle("GET /console/failedcheckins", c.List())
		mux.Handle("GET /console/failedcheckins/export", c.Export())
		mux.Handle("GET /console/failedcheckins/stream", c.Stream(s.consoleStream)) // the API's stream (stream.go) behind the console's session
		mux.Handle("GET /console/failedcheckins/{id}", c.Detail())
		mux.Handle("POST /console/failedcheckins/{id}/evaluate", limitBody(consoleMaxBodyBytes, c.Evaluate()))
		mux.Handle("GET /console/coworkers/{id}", c.Coworker())
		mux.Handle("POST /console/coworkers/{id}/evaluate", limitBody(consoleMaxBodyBytes, c.EvaluateCoworker()))
		mux.Handle("GET /console/webhooks", c.Webhooks())
		mux.Handle("POST /console/webhooks", limitBody(consoleMaxBodyBytes, c.CreateWebhook()))
		mux.Handle("GET /console/webhooks/{id}", c.Webhook())
		mux.Handle("POST /console/webhooks/{id}/enable", limitBody(consoleMaxBodyBytes, c.EnableWebhook()))
		mux.Handle("POST /console/webhooks/{id}/disable", limitBody(consoleMaxBodyBytes, c.DisableWebhook()))
		mux.Handle("POST /console/webhooks/{id}/redeliver", limitBody(consoleMaxBodyBytes, c.RedeliverWebhook()))
		mux.Handle("GET /console/alerts", c.Alerts())
		mux.Handle("POST /console/alerts/incidents/{id}/acknowledge", limitBody(consoleMaxBodyBytes, c.AcknowledgeIncident()))
		// The console's own HTML 404, for any other path and method under it.
		mux.Handle(ConsolePath, limitBody(consoleMaxBodyBytes, c.NotFound()))
	}

	// Without a catch-all the mux would answer unknown paths in plain text.
	mux.HandleFunc("/", s.notFound)
}

// readOnly registers h for GET (which also serves HEAD) on path, and a JSON
// 405 for every other method: the mux's own 405 is plain text.
func (s *Server) readOnly(mux *http.ServeMux, path string, h http.Handler) {
	mux.Handle("GET "+path, h)
	mux.HandleFunc(path, s.methodNotAllowed("GET, HEAD"))
}
