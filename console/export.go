package console

import (
	"iter"
	"net/http"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// export serves GET /console/failedcheckins/export: the current selection
// as CSV (the API export's format), streamed from the store in the table's
// order with the session's scope. A browser cannot send the API's bearer
// token on a download link, so the console serves it under its own
// session, with the same store method as the API.
func (c *Console) export(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.FailedCheckins.Parse(APIQuery(r.URL.Query()))
	if fc.ErrorCode(err) == fc.ErrInvalid {
		c.errorPage(w, r, http.StatusBadRequest, "The filter is not valid; go back to the records page to see why.")
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	q.Scope = sessionFrom(r.Context()).caller.Scope
	next, stop := iter.Pull2(c.cfg.Store.ExportFailedCheckins(r.Context(), q))
	defer stop()
	first, err, _ := next()
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="failedcheckins.csv"`)
	rc := http.NewResponseController(w)
	var readErr error
	records := func(yield func(*fc.FailedCheckin) bool) {
		for n, rec := 0, first; rec != nil; n++ {
			if n%1000 == 0 { // a long download is fine while the client keeps reading
				_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
			}
			if !yield(rec) {
				return
			}
			if rec, readErr, _ = next(); readErr != nil {
				return
			}
		}
	}
	if err := csvrecord.Write(w, records); err != nil || readErr != nil {
		c.cfg.Logger.Error("console export aborted", "write_error", err, "read_error", readErr)
		panic(http.ErrAbortHandler) // a truncated download must look failed
	}
}
