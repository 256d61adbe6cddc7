package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"github.com/failedcheckins/failedcheckins/audit"
)

// requestInfo travels in the request context. It is a pointer so that the
// inner layers can fill in what the outer ones log (the route pattern is
// known only once the mux has matched).
//
// It is the request's context itself (withRequestID): Value answers
// requestInfoKey with the requestInfo and, when the server audits,
// audit.NoteKey with its Note, and asks the parent context for anything
// else. One allocation a request thus carries the id, the pattern and the
// audit's Note, where a context.WithValue per value, a Note of its own and
// the request copy of each r.WithContext would each allocate (the audit's
// cost per request: docs/benchmarks.md, "Audit").
type requestInfo struct {
	context.Context // the request's context before withRequestID
	id              string
	pattern         string
	// body is the request body before the server-wide limit, which a
	// route with a larger limit of its own (withBodyLimit) reads through.
	body io.ReadCloser
	// rec is the status recorder of logRequest, the outermost layer that
	// records one: the status of the answer, which the audit entry
	// (auditRequests) reads instead of wrapping the writer once more.
	rec *statusRecorder
	// audited is set by auditRequests (the server audits): from then on
	// the context answers audit.NoteFrom with note, which the layers fill
	// in (audit.SetUser, SetCount...) and auditRequests turns into the
	// request's entry.
	audited bool
	note    audit.Note
}

// Value implements context.Context (see requestInfo).
func (info *requestInfo) Value(key any) any {
	switch key.(type) {
	case requestInfoKey:
		return info
	case audit.NoteKey:
		if info.audited {
			return &info.note
		}
	}
	return info.Context.Value(key)
}

type requestInfoKey struct{}

// requestID returns the id of the request ctx belongs to, or "".
func requestID(ctx context.Context) string {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		return info.id
	}
	return ""
}

// wrap applies every middleware to h, the mux of every route (API and
// console alike), outermost first: request id, security headers, logging,
// metrics, panic recovery, body limit, malformed requests (cleanpath.go).
// Recovery sits inside logging so that the log records the 500.
// Authentication is not here: the routes that need a caller ask for one
// (require, caller.go), so the console's requests, which carry a session
// instead, are never run through the API's credentials.
func (s *Server) wrap(h http.Handler) http.Handler {
	h = capturePattern(h)
	h = s.rejectMalformed(h)
	h = s.limitRequestBody(h)
	h = s.recoverPanic(h)
	h = s.auditRequests(h) // audit.go
	h = s.instrument(h)    // metrics.go
	h = s.logRequest(h)
	h = securityHeaders(h)
	return withRequestID(newRequestIDs(), h)
}

// withRequestID gives every request a unique id from ids, returned in
// X-Request-Id, so that a client reporting a 500 can be matched with the
// log line. The request's context becomes its requestInfo.
func withRequestID(ids *requestIDs, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := &requestInfo{Context: r.Context(), id: ids.next()}
		w.Header()["X-Request-Id"] = []string{info.id}
		next.ServeHTTP(w, r.WithContext(info))
	})
}

// requestIDs makes request ids: 32 hex digits, a random prefix drawn once
// per Server and a counter. Ids only correlate a response with its log
// line, they are no secret, so a counter (unique, and unguessable enough
// across restarts thanks to the prefix) replaces a crypto/rand read per
// request.
type requestIDs struct {
	prefix [16]byte // hex digits
	count  atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var ids requestIDs
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	hex.Encode(ids.prefix[:], b[:])
	return &ids
}

// next returns a fresh id; it is safe for concurrent use.
func (ids *requestIDs) next() string {
	const digits = "0123456789abcdef"
	var b [32]byte
	copy(b[:16], ids.prefix[:])
	n := ids.count.Add(1)
	for i := 31; i >= 16; i-- {
		b[i] = digits[n&0xf]
		n >>= 4
	}
	return string(b[:])
}

// capturePattern records the route pattern the mux matched. The mux sets
// r.Pattern on the request it was given, which is the one this layer holds.
func capturePattern(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
				info.pattern = r.Pattern
			}
		}()
		mux.ServeHTTP(w, r)
	})
}

// securityHeaders sets the safe defaults of every response: nothing is
// framed or sniffed, no referrer leaves, and nothing is cached (answers
// depend on who asks). The console's pages add their own
// Content-Security-Policy and relax the referrer to same-origin, and its
// static assets may be cached (package console).
// The value slices are built once and shared by every response: Header.Set
// and Add replace or grow a slice, never write into it, so sharing is safe
// and saves four allocations per request.
func securityHeaders(next http.Handler) http.Handler {
	nosniff, deny := []string{"nosniff"}, []string{"DENY"}
	noReferrer, noStore := []string{"no-referrer"}, []string{"no-store"}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = nosniff[:1:1]
		h["X-Frame-Options"] = deny[:1:1]
		h["Referrer-Policy"] = noReferrer[:1:1]
		h["Cache-Control"] = noStore[:1:1]
		next.ServeHTTP(w, r)
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequest writes one log line per request.
func (s *Server) logRequest(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		info, _ := r.Context().Value(requestInfoKey{}).(*requestInfo)
		if info == nil {
			info = &requestInfo{}
		}
		info.rec = rec
		next.ServeHTTP(rec, r)
		s.log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("route", info.pattern),
			slog.Int("status", cmpOr(rec.status, http.StatusOK)), slog.Duration("duration", time.Since(start)),
			slog.String("request_id", info.id))
	})
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// recoverPanic turns a panicking handler into a JSON 500 (when nothing has
// been written yet) and logs the panic with the request id; the panic text
// never reaches the client.
func (s *Server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the handler asked to abort the connection
			}
			s.log.LogAttrs(r.Context(), slog.LevelError, "panic",
				slog.String("request_id", requestID(r.Context())), slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
			if rec.status == 0 {
				s.writeErrorBody(w, http.StatusInternalServerError, msgInternal, nil)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}

// limitRequestBody is the server-wide body layer of wrap: read errors of
// the connection are marked (bodyReader) so that they are answered 400 or
// 408 rather than 500, and the body is capped at the server's limit
// (limitBody), except for a route that sets a larger one with
// withBodyLimit, which reads the unlimited body it keeps here.
func (s *Server) limitRequestBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &bodyReader{ReadCloser: r.Body}
			if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
				info.body = r.Body
			}
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBodyBytes)
		}
		next.ServeHTTP(w, r)
	})
}

// withBodyLimit gives one route a body limit of its own, n bytes or the
// server's limit if that is larger: PUT /api/directory takes the whole
// directory, which for a large operator is several times the server-wide
// limit meant for attempts and forms.
func (s *Server) withBodyLimit(n int64, next http.Handler) http.Handler {
	n = max(n, s.maxBodyBytes)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok && info.body != nil {
			r.Body = http.MaxBytesReader(w, info.body, n)
		}
		next.ServeHTTP(w, r)
	})
}

// bodyReader marks the errors of reading the request body from the
// client: a body cut short (the client sent less than its Content-Length
// or closed the connection) or one that did not arrive in time (the
// server's ReadTimeout). They are the client's doing, so writeError
// answers 400 or 408, not 500 (issue 18).
type bodyReader struct{ io.ReadCloser }

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		err = &bodyReadError{err: err}
	}
	return n, err
}

// bodyReadError is a failed read of the request body.
type bodyReadError struct{ err error }

func (e *bodyReadError) Error() string { return "read the request body: " + e.err.Error() }
func (e *bodyReadError) Unwrap() error { return e.err }

// timeout reports whether the read failed because its deadline passed.
func (e *bodyReadError) timeout() bool {
	var ne net.Error
	return errors.Is(e.err, os.ErrDeadlineExceeded) || (errors.As(e.err, &ne) && ne.Timeout())
}

// requireJSON refuses, with 415, a body the JSON endpoints cannot read as
// sent: a Content-Type other than application/json (in UTF-8, the only
// charset JSON has) and any Content-Encoding (none is decoded; a gzip body would
// otherwise be judged as broken JSON). A request without Content-Type is
// read as JSON, as clients written against the Nexudus API often send none.
func (s *Server) requireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ce := r.Header.Values("Content-Encoding"); len(ce) > 0 && !(len(ce) == 1 && strings.EqualFold(strings.TrimSpace(ce[0]), "identity")) {
			w.Header().Set("Accept-Encoding", "identity")
			s.writeErrorBody(w, http.StatusUnsupportedMediaType,
				"Content-Encoding "+strings.Join(ce, ", ")+" is not supported: send the body uncompressed.", nil)
			return
		}
		if ct := r.Header.Values("Content-Type"); len(ct) > 0 && !jsonMediaType(ct) {
			s.writeErrorBody(w, http.StatusUnsupportedMediaType,
				"Content-Type must be application/json (UTF-8), not "+strings.Join(ct, ", ")+".", nil)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// jsonMediaType reports whether the Content-Type values ct (one, given)
// name JSON in UTF-8.
func jsonMediaType(ct []string) bool {
	if len(ct) != 1 {
		return false
	}
	mt, params, err := mime.ParseMediaType(ct[0])
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// limitBody caps the request body at n bytes so a client cannot make a
// handler read without end; a handler that hits the cap gets an
// *http.MaxBytesError, which writeError answers with 413. wrap applies
// the server's limit to every request (limitRequestBody); routes.go
// applies it again, lower, to the console.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		next.ServeHTTP(w, r)
	})
}
