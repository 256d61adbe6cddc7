package api

import (
	"log/slog"
	"net/http"
)

// statusJSON is the body of the health endpoints.
type statusJSON struct {
	Status string `json:"Status"`
}

// healthz reports that the process is alive; it never touches the database,
// so an orchestrator does not restart a healthy process during a DB outage.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, statusJSON{Status: "ok"})
}

// readyz reports whether the service can answer requests. The reason for a
// failure is logged, never sent: it may name files, hosts or SQL.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.ready(r.Context()); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "not ready",
			slog.String("request_id", requestID(r.Context())), slog.String("error", err.Error()))
		setRetryUnavailable(w)
		s.writeErrorBody(w, http.StatusServiceUnavailable, msgUnavailable, nil)
		return
	}
	writeJSON(w, http.StatusOK, statusJSON{Status: "ok"})
}
