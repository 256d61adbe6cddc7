package api

import "net/http"

// routes registers every route of the API. It is the one place that lists
// them, so a reader sees the whole surface at a glance.
func (s *Server) routes(mux *http.ServeMux) {
	s.readOnly(mux, "/api/spaces/failedcheckins", s.require(fcRoleList, s.searchFailedCheckins))
	s.readOnly(mux, "/api/spaces/failedcheckins/{id}", s.require(fcRoleRead, s.getFailedCheckin))
	// Other methods on these two fall to the {id} pattern's JSON 405.
	mux.Handle("GET /api/spaces/failedcheckins/export", s.require(fcRoleList, s.exportFailedCheckins)) // export.go
	mux.Handle("GET /api/spaces/failedcheckins/stats", s.require(fcRoleList, s.failedCheckinStats))    // stats.go
	s.readOnly(mux, "/healthz", http.HandlerFunc(s.healthz))
	s.readOnly(mux, "/readyz", http.HandlerFunc(s.readyz))
	s.readOnly(mux, MetricsPath, s.serveMetrics(s.metrics.handler()))
	s.readOnly(mux, OpenAPIPath, http.HandlerFunc(s.serveOpenAPI))
	if s.token != nil {
		mux.Handle("POST "+TokenPath, s.metrics.instrumentToken(s.token))
		mux.HandleFunc(TokenPath, s.methodNotAllowed("POST"))
	}
	s.checkinRoutes(mux) // attempt.go
	// Without a catch-all the mux would answer unknown paths in plain text.
	mux.HandleFunc("/", s.notFound)
}

// readOnly registers h for GET (which also serves HEAD) on path, and a JSON
// 405 for every other method: the mux's own 405 is plain text.
func (s *Server) readOnly(mux *http.ServeMux, path string, h http.Handler) {
	mux.Handle("GET "+path, h)
	mux.HandleFunc(path, s.methodNotAllowed("GET, HEAD"))
}
