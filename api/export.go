package api

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// exportWriteWindow is how long the client may take to read the next batch
// of records: the server's WriteTimeout covers ordinary answers, but an
// export of millions of rows legitimately takes longer, so the deadline is
// pushed forward as long as the client keeps reading.
const (
	exportWriteWindow = 60 * time.Second
	exportBatch       = 1000
)

// exportFormats are the values of ?format= and their content types.
var exportFormats = map[string]string{
	"csv":    "text/csv; charset=utf-8",
	"ndjson": "application/x-ndjson",
}

// exportFailedCheckins serves GET /api/spaces/failedcheckins/export: every
// record the search filters select, in the search's order, streamed as CSV
// (the columns csvrecord reads back, so an export can be imported) or as
// one JSON record per line. page and size are parsed like a search's and
// then ignored: the export has no page cap.
func (s *Server) exportFailedCheckins(w http.ResponseWriter, r *http.Request) {
	format, err := searchparams.ParamFold(r.URL.RawQuery, "format", "csv")
	if err == nil {
		if _, ok := exportFormats[format]; !ok {
			err = fc.InvalidFields([]fc.FieldError{{Property: "format", Message: "must be csv or ndjson", AttemptedValue: format}})
		}
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := searchparams.FailedCheckins.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if s.reports == nil {
		s.writeError(w, r, fmt.Errorf("store %T cannot export", s.store))
		return
	}
	caller := callerFrom(r.Context())
	if q, err = caller.Restrict(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	if r.Method == http.MethodHead {
		// HEAD (served by the GET route) answers the headers of the
		// download, after the same checks, without running it: an export
		// holds one of a few slots and a database snapshot until its last
		// record is read, and a HEAD would read them all only to drop them.
		exportHeaders(w, format)
		w.WriteHeader(http.StatusOK)
		return
	}
	s.streamExport(w, r, format, caller.MaskFailedCheckins(s.reports.ExportFailedCheckins(r.Context(), q)))
}

// exportHeaders are the headers of an export's download.
func exportHeaders(w http.ResponseWriter, format string) {
	h := w.Header()
	h.Set("Content-Type", exportFormats[format])
	h.Set("Content-Disposition", `attachment; filename="failedcheckins.`+format+`"`)
}

// streamExport writes the records of seq. An error before the first record
// is answered as usual; after it the status is sent, so the connection is
// aborted instead and the client sees a truncated (failed) download rather
// than a complete-looking short file.
func (s *Server) streamExport(w http.ResponseWriter, r *http.Request, format string, seq iter.Seq2[*fc.FailedCheckin, error]) {
	next, stop := iter.Pull2(seq)
	defer stop()
	first, err, _ := next()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	exportHeaders(w, format)
	w.WriteHeader(http.StatusOK)
	var readErr error
	// The audit counts the records written, also when the export is
	// aborted half-way (the panic below runs this).
	sent := int64(0)
	defer func() { audit.SetCount(r.Context(), sent) }()
	records := func(yield func(*fc.FailedCheckin) bool) {
		for n, rec := 0, first; rec != nil; n++ {
			if n%exportBatch == 0 {
				_ = rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
			}
			if !yield(rec) {
				return
			}
			sent++
			if rec, readErr, _ = next(); readErr != nil {
				return
			}
		}
	}
	var writeErr error
	if format == "csv" {
		writeErr = csvrecord.Write(w, records)
	} else {
		writeErr = writeNDJSON(w, records)
	}
	if readErr != nil || writeErr != nil {
		s.log.LogAttrs(r.Context(), slog.LevelError, "export aborted",
			slog.String("request_id", requestID(r.Context())), slog.Any("read_error", readErr), slog.Any("write_error", writeErr))
		panic(http.ErrAbortHandler)
	}
}

// writeNDJSON writes one record per line in the search's JSON shape.
func writeNDJSON(w http.ResponseWriter, records iter.Seq[*fc.FailedCheckin]) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	enc := json.NewEncoder(bw)
	for rec := range records {
		if err := enc.Encode(toFailedCheckinJSON(rec)); err != nil {
			return fmt.Errorf("write ndjson: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ndjson: %w", err)
	}
	return nil
}
