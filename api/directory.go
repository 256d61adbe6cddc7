package api

import (
	"bytes"
	"net/http"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
)

// getDirectory serves GET /api/directory: the current document. It is
// refused to a caller who sees personal data masked: every coworker's
// name, MAC addresses, cards, teams and email are the document
// (docs/api.md#masked-users).
func (s *Server) getDirectory(w http.ResponseWriter, r *http.Request) {
	if callerFrom(r.Context()).MasksPersonalData() {
		s.writeError(w, r, fc.Errorf(fc.ErrForbidden, "%s", msgMaskedDirectory))
		return
	}
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

// msgMaskedDirectory is the 403 of GET /api/directory for a masked caller.
const msgMaskedDirectory = "personal data is masked for you; the directory is personal data (names, MAC addresses, cards, teams, emails)"

// putDirectory serves PUT /api/directory: an import, all or nothing. A
// masked caller may import (what they send is theirs already), but the
// answer, which is the whole merged directory, is then 204 No Content.
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
	if callerFrom(r.Context()).MasksPersonalData() {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.getDirectory(w, r)
}

func writeRawJSON(w http.ResponseWriter, doc []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(bytes.Clone(doc), '\n'))
}
