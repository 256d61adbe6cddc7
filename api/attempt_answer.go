package api

import (
	"net/http"
	"strconv"

	fc "github.com/failedcheckins/failedcheckins"
)

// writeOutcome writes the 200 answer of an attempt. It is outcomeJSON as
// writeJSON would encode it, byte for byte (TestAppendOutcomeMatchesJSON),
// but appended into one pre-sized buffer: this answer is written for every
// check-in attempt, the service's hottest write path.
func writeOutcome(w http.ResponseWriter, out *fc.Outcome) {
	data := appendOutcome(make([]byte, 0, 160+len(out.Description)+len(out.Reason)), out)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// appendOutcome appends the JSON of outcomeJSON(out) and a newline, as
// json.Encoder with SetEscapeHTML(false) writes it.
func appendOutcome(b []byte, out *fc.Outcome) []byte {
	b = append(b, `{"Status":200,"Message":`...)
	if out.Accepted {
		b = appendJSONString(b, "Checkin was successfully created.")
		b = append(b, `,"Value":{"Id":`...)
		b = strconv.AppendInt(b, out.ID, 10)
		return append(b, "},\"WasSuccessful\":true}\n"...)
	}
	b = appendJSONString(b, out.Description)
	b = append(b, `,"Value":{"FailedCheckinId":`...)
	b = strconv.AppendInt(b, out.ID, 10)
	b = append(b, `,"Reason":`...)
	b = appendJSONString(b, out.Reason)
	return append(b, "},\"WasSuccessful\":false}\n"...)
}
