package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
)

// errorJSON is the error body of docs/api.md#errors.
type errorJSON struct {
	Status        int              `json:"Status"`
	Message       string           `json:"Message"`
	WasSuccessful bool             `json:"WasSuccessful"`
	Errors        []fieldErrorJSON `json:"Errors"`
}

// fieldErrorJSON is one invalid parameter, in the Nexudus shape.
type fieldErrorJSON struct {
	PropertyName   string `json:"PropertyName"`
	Message        string `json:"Message"`
	AttemptedValue string `json:"AttemptedValue"`
}

// statusByCode is the one map from error codes to HTTP statuses; a code
// missing here (including fc.ErrInternal) is a 500.
var statusByCode = map[string]int{
	fc.ErrInvalid:      http.StatusBadRequest,
	fc.ErrUnauthorized: http.StatusUnauthorized,
	fc.ErrForbidden:    http.StatusForbidden,
	fc.ErrNotFound:     http.StatusNotFound,
	fc.ErrConflict:     http.StatusConflict,
	fc.ErrTooMany:      http.StatusTooManyRequests,
	fc.ErrUnavailable:  http.StatusServiceUnavailable,
}

// Client-facing messages that replace whatever text an error carries, either
// because the contract fixes them (404) or because the detail may be internal.
const (
	msgNotFound    = "Not found"
	msgInternal    = "An internal error occurred."
	msgUnavailable = "The service is temporarily unavailable."
	msgTooLarge    = "The request body is too large."
	// retryAfterSeconds is sent with a 429 unless the handler set its own.
	retryAfterSeconds = "60"
)

// writeError answers r with err as the JSON error body of docs/api.md#errors.
// Internal and unavailable errors are logged once with the request id and
// the client gets only a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	if maxErr := (*http.MaxBytesError)(nil); errors.As(err, &maxErr) {
		s.writeErrorBody(w, http.StatusRequestEntityTooLarge, msgTooLarge, nil)
		return
	}
	if bodyErr := (*bodyReadError)(nil); errors.As(err, &bodyErr) { // middleware.go
		s.writeBodyReadError(w, r, bodyErr)
		return
	}
	status, ok := statusByCode[fc.ErrorCode(err)]
	if !ok {
		status = http.StatusInternalServerError
	}
	msg := fc.ErrorMessage(err)
	switch status {
	case http.StatusInternalServerError, http.StatusServiceUnavailable:
		s.log.LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("request_id", requestID(r.Context())), slog.Int("status", status), slog.String("error", err.Error()))
		msg = msgInternal
		if status == http.StatusServiceUnavailable {
			msg = msgUnavailable
			setRetryUnavailable(w)
		}
	case http.StatusNotFound:
		msg = msgNotFound
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", "Bearer")
	case http.StatusTooManyRequests:
		if v, ok := retryAfter(err); ok { // the delay a rate limit computed (auth.go)
			w.Header().Set("Retry-After", v)
		} else if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", retryAfterSeconds)
		}
		msg = waitMessage(msg, w.Header().Get("Retry-After"))
	}
	var fields []fc.FieldError
	// A 403 of a masked user's filter (fc.Caller.Restrict) names its
	// parameters the way a 400 does.
	if e := (*fc.Error)(nil); errors.As(err, &e) && (status == http.StatusBadRequest || status == http.StatusForbidden) {
		fields = e.Fields
	}
	s.writeErrorBody(w, status, msg, fields)
}

// retryUnavailableSeconds is the Retry-After of a 503: a database
// restart or a failover takes seconds, and load balancers and clients
// retry a 503 after it (a 500 says "bug" and is not retried).
const retryUnavailableSeconds = "5"

// setRetryUnavailable sets the Retry-After of a 503 (database
// unavailable), unless the handler set its own.
func setRetryUnavailable(w http.ResponseWriter) {
	if w.Header().Get("Retry-After") == "" {
		w.Header().Set("Retry-After", retryUnavailableSeconds)
	}
}

// writeErrorBody writes the error body; Errors is always an array.
func (s *Server) writeErrorBody(w http.ResponseWriter, status int, msg string, fields []fc.FieldError) {
	body := errorJSON{Status: status, Message: msg, Errors: make([]fieldErrorJSON, 0, len(fields))}
	for _, f := range fields {
		body.Errors = append(body.Errors, fieldErrorJSON{PropertyName: f.Property, Message: f.Message, AttemptedValue: f.AttemptedValue})
	}
	writeJSON(w, status, body)
}

// writeJSON writes v as the JSON body with the given status. A write error
// means the client went away; there is no one left to tell.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// The body is never HTML, and nosniff is set: escaping & < > would only
	// make names like "A & B" harder to read.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only a programming error (an unencodable wire type) gets here.
		buf.Reset()
		buf.WriteString(`{"Status":500,"Message":"` + msgInternal + `","WasSuccessful":false,"Errors":[]}` + "\n")
		status = http.StatusInternalServerError
	}
	writeJSONBytes(w, status, buf.Bytes())
}

// writeJSONBytes writes data, a JSON body, with the given status and the
// headers of every JSON answer.
func writeJSONBytes(w http.ResponseWriter, status int, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// notFound answers every path that no route matches.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, fc.Errorf(fc.ErrNotFound, msgNotFound))
}

// methodNotAllowed answers a method the route does not serve.
func (s *Server) methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		s.writeErrorBody(w, http.StatusMethodNotAllowed, "The method "+r.Method+" is not allowed here; use "+allow+".", nil)
	}
}

// waitMessage ends a 429's message with "Wait N seconds.", N being its
// Retry-After value (docs/api.md#rate-limits): existing Nexudus clients
// pace their retries by parsing that sentence rather than the header.
func waitMessage(msg, retryAfter string) string {
	msg = strings.TrimRight(msg, " ")
	if msg != "" && !strings.HasSuffix(msg, ".") {
		msg += "."
	}
	if msg != "" {
		msg += " "
	}
	return msg + "Wait " + retryAfter + " seconds."
}

// writeBodyReadError answers a request whose body could not be read: 408
// when it did not arrive in time, 400 when it was cut short. The client
// caused it, so it is no 500; it is logged as a warning, since many of
// them may mean a broken client or a slow attack.
func (s *Server) writeBodyReadError(w http.ResponseWriter, r *http.Request, err *bodyReadError) {
	status, msg := http.StatusBadRequest, "The request body ended before its declared length."
	if err.timeout() {
		status, msg = http.StatusRequestTimeout, "The request body did not arrive in time."
		w.Header().Set("Connection", "close")
	}
	s.log.LogAttrs(r.Context(), slog.LevelWarn, "request body unreadable",
		slog.String("request_id", requestID(r.Context())), slog.Int("status", status), slog.String("error", err.Error()))
	s.writeErrorBody(w, status, msg, []fc.FieldError{{Property: "body", Message: msg}})
}
