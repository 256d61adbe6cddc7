package console

import (
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// exportRetryAfter is the Retry-After, in seconds, of an export refused
// because the export slots are busy: the API's default for a 429.
const exportRetryAfter = 60

// export serves GET /console/failedcheckins/export: the current selection
// as CSV (the API export's format), streamed from the store in the table's
// order with the session's scope. A browser cannot send the API's bearer
// token on a download link, so the console serves it under its own
// session, with the same store method as the API.
func (c *Console) export(w http.ResponseWriter, r *http.Request) {
	q, err := parseQuery(r.URL.Query())
	if fc.ErrorCode(err) == fc.ErrInvalid {
		c.errorPage(w, r, http.StatusBadRequest, "The filter is not valid ("+fc.ErrorMessage(err)+"); go back to the records page to see why.")
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	s := sessionFrom(r.Context())
	if q, err = s.caller.Restrict(q); err != nil {
		c.errorPage(w, r, http.StatusForbidden, "The filter is not allowed ("+fc.ErrorMessage(err)+"); go back to the records page.")
		return
	}
	if r.Method == http.MethodHead {
		// HEAD (which the GET route also serves) answers the headers of
		// the download without running it: an export holds one of a few
		// slots and a database snapshot until its last record is read,
		// and a HEAD would read every record only to drop them.
		downloadHeaders(w)
		w.WriteHeader(http.StatusOK)
		return
	}
	next, stop := iter.Pull2(s.caller.MaskFailedCheckins(c.cfg.Store.ExportFailedCheckins(r.Context(), q)))
	defer stop()
	first, err, _ := next()
	if fc.ErrorCode(err) == fc.ErrTooMany {
		// The export slots are busy: a 429 as the API answers, with the
		// same Retry-After and the sentence Nexudus clients read.
		w.Header().Set("Retry-After", strconv.Itoa(exportRetryAfter))
		c.errorPage(w, r, http.StatusTooManyRequests, fmt.Sprintf("%s. Wait %d seconds.",
			strings.TrimRight(fc.ErrorMessage(err), ". "), exportRetryAfter))
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	downloadHeaders(w)
	rc := http.NewResponseController(w)
	var readErr error
	sent := int64(0) // for the audit, also when the download is aborted
	defer func() { audit.SetCount(r.Context(), sent) }()
	records := func(yield func(*fc.FailedCheckin) bool) {
		for n, rec := 0, first; rec != nil; n++ {
			if n%1000 == 0 { // a long download is fine while the client keeps reading
				_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
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
	if err := csvrecord.Write(w, records); err != nil || readErr != nil {
		c.cfg.Logger.ErrorContext(r.Context(), "console export aborted", "write_error", err, "read_error", readErr)
		panic(http.ErrAbortHandler) // a truncated download must look failed
	}
}

// downloadHeaders are the headers of the CSV download.
func downloadHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="failedcheckins.csv"`)
}
