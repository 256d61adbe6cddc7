package api

import (
	"bytes"
	"net/http"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// getDirectory serves GET /api/directory: the current document.
func (s *Server) getDirectory(w http.ResponseWriter, r *http.Request) {
	d, err := s.checkins.Directory.Directory(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	doc, err := fc.MarshalDirectory(d)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	audit.SetCount(r.Context(), int64(len(d.Coworkers))) // the personal entries it holds
	writeRawJSON(w, doc)
}

// putDirectory serves PUT /api/directory: an import, all or nothing.
func (s *Server) putDirectory(w http.ResponseWriter, r *http.Request) {
	d, err := fc.ParseDirectory(r.Body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.checkins.Directory.ImportDirectory(r.Context(), d); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.getDirectory(w, r)
}

func writeRawJSON(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(bytes.Clone(doc), '\n'))
}
