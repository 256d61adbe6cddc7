package api

// Live streams (docs/api.md#live-streams): GET /api/spaces/failedcheckins/stream
// and GET /api/spaces/checkins/stream send every record that matches a
// search filter as a Server-Sent Event, as it is written.
//
// A stream reads the database, never a message bus: it asks for "records
// with Id > cursor that match the filter and scope, in Id order, at most
// Span" (fc.RecordTailStore, which builds the search's own statement).
// Ids become visible in increasing order (every writer gives and commits
// them under the records' write lock: sqlstore/ids.go, RecordAttempts;
// TestStreamIDsVisibleInOrder), so a cursor never passes a record that
// could still appear, and records written by another server on the same
// PostgreSQL database arrive exactly like this server's own. A replay
// (Last-Event-ID, ?after=) is the same query from an older cursor, so
// replay and live follow each other without gap or duplicate.
//
// So that N streams do not each ask the database every tick, one
// streamHub per Server learns the largest Id of each table: a poller
// (every StreamOptions.Poll, while any stream is open) for the other
// servers' records, and this server's check-in endpoint, which reports
// every Id it has committed (committed) at once. A stream queries only
// when the largest Id of its table has moved past what it last saw.
//
// Nothing is buffered per stream beyond one span of records: a slow
// consumer holds only its own goroutine, its writes time out after
// StreamOptions.WriteTimeout, and one that is more than MaxBehind records
// behind is disconnected (it resumes with Last-Event-ID and loses nothing).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"github.com/failedcheckins/failedcheckins/audit"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// Defaults of StreamOptions (docs/api.md#live-streams).
const (
	DefaultStreamKeepAlive    = 15 * time.Second
	DefaultStreamPoll         = 250 * time.Millisecond
	DefaultStreamMaxBehind    = 10000
	DefaultStreamSpan         = fc.MaxPageSize
	DefaultStreamsPerUser     = 10
	DefaultStreamWriteTimeout = 30 * time.Second
	DefaultStreamRecheck      = 5 * time.Second
	DefaultStreamGather       = 20 * time.Millisecond
	// streamRetryMillis is the reconnection delay a stream asks of its
	// client (the SSE retry field).
	streamRetryMillis = 3000
	// streamFlushBytes is how much a stream gathers before writing it out,
	// so one span of records is not held whole.
	streamFlushBytes = 32 << 10
)

// StreamOptions tunes the live streams; a zero field takes its default.
// Tests shorten them.
type StreamOptions struct {
	// KeepAlive is the interval of the ": keep-alive" comment.
	KeepAlive time.Duration
	// Poll is how often the server asks the database for the largest Ids
	// while a stream is open: how soon another server's records arrive.
	Poll time.Duration
	// MaxBehind is how many records a live stream may have to send in a
	// row, without catching up with the newest, before it is disconnected.
	MaxBehind int
	// Span is how many records one query reads.
	Span int
	// MaxPerUser is how many streams one user may hold open on this server.
	MaxPerUser int
	// WriteTimeout bounds each write to the client.
	WriteTimeout time.Duration
	// Recheck is how often a stream checks its caller again: a stream
	// ends within Recheck of its token or console session expiring, its
	// user being disabled or deleted or losing the stream's role, and
	// follows a change of the user's locations.
	Recheck time.Duration
	// Gather is the least time between two reads of one live stream:
	// woken again sooner (every group commit moves the largest Id, some
	// hundreds of times a second under load), it waits for the rest of
	// it and reads every record committed meanwhile in one query. A wake
	// after a quiet spell reads at once, so a lone record is not delayed;
	// under load an event waits at most Gather more (PUSH.md asks a p99
	// under 1 s). Each read is a read transaction, a query and a write to
	// the client: the cost of an open stream on the check-ins
	// (BenchmarkHTTP16Push/stream).
	Gather time.Duration
}

func (o StreamOptions) withDefaults() StreamOptions {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.KeepAlive, DefaultStreamKeepAlive)
	def(&o.Poll, DefaultStreamPoll)
	def(&o.WriteTimeout, DefaultStreamWriteTimeout)
	def(&o.Recheck, DefaultStreamRecheck)
	def(&o.Gather, DefaultStreamGather)
	defInt(&o.MaxBehind, DefaultStreamMaxBehind)
	defInt(&o.Span, DefaultStreamSpan)
	defInt(&o.MaxPerUser, DefaultStreamsPerUser)
	return o
}

// streamEvent is one record ready to send: its Id and its JSON, one line.
type streamEvent struct {
	id   int64
	data []byte
}

// streamKind is what one stream endpoint carries.
type streamKind struct {
	event string              // the SSE event name: the record's type
	role  string              // the role that may read it
	slot  int                 // its table's index in streamHub.largest
	table *searchparams.Table // its filter grammar: the search's
	// fetch reads the records past after, each as get-one writes it.
	// Each record is masked as caller may see it (fc.Caller.MaskFailedCheckin).
	fetch func(ctx context.Context, st fc.RecordTailStore, caller *fc.Caller, q fc.Query, after int64, limit int) ([]streamEvent, error)
}

// The two streams.
var (
	failedCheckinStream = &streamKind{event: "FailedCheckin", role: fcRoleList, slot: 0, table: searchparams.FailedCheckins,
		fetch: func(ctx context.Context, st fc.RecordTailStore, caller *fc.Caller, q fc.Query, after int64, limit int) ([]streamEvent, error) {
			recs, err := st.FailedCheckinsAfter(ctx, q, after, limit)
			return encodeEvents(recs, err, func(r *fc.FailedCheckin) (int64, any) {
				return r.ID, withExplanation(caller.MaskFailedCheckin(r), false)
			})
		}}
	checkinStream = &streamKind{event: "Checkin", role: fc.RoleCheckinList, slot: 1, table: searchparams.Checkins,
		fetch: func(ctx context.Context, st fc.RecordTailStore, caller *fc.Caller, q fc.Query, after int64, limit int) ([]streamEvent, error) {
			recs, err := st.CheckinsAfter(ctx, q, after, limit)
			return encodeEvents(recs, err, func(c *fc.Checkin) (int64, any) { return c.ID, toCheckinJSON(caller.MaskCheckin(c)) })
		}}
)

// encodeEvents writes each record as get-one's JSON (writeJSON's
// encoding), on one line: JSON escapes every line break in a string.
func encodeEvents[T any](recs []T, err error, wire func(T) (int64, any)) ([]streamEvent, error) {
	if err != nil {
		return nil, err
	}
	out := make([]streamEvent, 0, len(recs))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	for _, r := range recs {
		id, v := wire(r)
		buf.Reset()
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		out = append(out, streamEvent{id: id, data: bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))})
	}
	return out, nil
}

// streamHub is the shared state of one Server's streams: the largest Id
// of each table (and a channel closed whenever it moves), the open
// streams per user, and the end of them all.
type streamHub struct {
	opts  StreamOptions
	store fc.RecordTailStore
	log   *slog.Logger
	open  func(delta float64) // the streams-open gauge

	mu      sync.Mutex
	largest [2]int64      // FailedCheckin, Checkin
	moved   chan struct{} // closed (and replaced) when largest rises
	perUser map[int64]int
	streams int
	polling bool

	done      chan struct{} // closed by close: every stream ends
	closeOnce sync.Once
}

func newStreamHub(opts StreamOptions, store fc.RecordTailStore, log *slog.Logger, open func(float64)) *streamHub {
	return &streamHub{opts: opts.withDefaults(), store: store, log: log, open: open,
		moved: make(chan struct{}), perUser: map[int64]int{}, done: make(chan struct{})}
}

// snapshot returns the largest Id known of a table and the channel that
// is closed when it next rises.
func (h *streamHub) snapshot(slot int) (int64, <-chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.largest[slot], h.moved
}

// raise records committed Ids; it wakes the streams when one is larger
// than what was known. It never lowers: a delete of the newest records
// does not take back what streams have seen.
func (h *streamHub) raise(slot int, id int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if id > h.largest[slot] {
		h.largest[slot] = id
		close(h.moved)
		h.moved = make(chan struct{})
	}
}

// committed is the check-in pipeline's wake hook: this server has
// committed a record with this Id (and so every smaller one is visible).
// It costs a lock and a comparison.
func (h *streamHub) committed(kind *streamKind, id int64) { h.raise(kind.slot, id) }

// outcomeStream is the stream that carries the record an attempt wrote.
func outcomeStream(out *fc.Outcome) *streamKind {
	if out.Accepted {
		return checkinStream
	}
	return failedCheckinStream
}

// acquire counts a stream of user against the per-user limit; false
// means the limit is reached. The first stream starts the poller.
func (h *streamHub) acquire(user int64) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perUser[user] >= h.opts.MaxPerUser {
		return false
	}
	h.perUser[user]++
	h.streams++
	h.open(1)
	if !h.polling {
		h.polling = true
		go h.poll()
	}
	return true
}

// release ends a stream of user.
func (h *streamHub) release(user int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.perUser[user]--; h.perUser[user] <= 0 {
		delete(h.perUser, user)
	}
	h.streams--
	h.open(-1)
}

// poll asks the database for the largest Ids every Poll while a stream is
// open, for the records other servers write; it stops with the last
// stream (and at close).
func (h *streamHub) poll() {
	t := time.NewTicker(h.opts.Poll)
	defer t.Stop()
	for {
		select {
		case <-h.done:
			return
		case <-t.C:
		}
		h.mu.Lock()
		if h.streams == 0 {
			h.polling = false
			h.mu.Unlock()
			return
		}
		h.mu.Unlock()
		if err := h.refresh(context.Background()); err != nil {
			h.log.Warn("live streams: reading the largest ids", "error", err.Error())
		}
	}
}

// refresh reads the largest Ids from the database.
func (h *streamHub) refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	f, c, err := h.store.LargestRecordIDs(ctx)
	if err != nil {
		return err
	}
	h.raise(0, f)
	h.raise(1, c)
	return nil
}

// close ends every open stream and refuses new ones: graceful shutdown
// (CloseStreams) must not wait for clients that never hang up.
func (h *streamHub) close() { h.closeOnce.Do(func() { close(h.done) }) }

// CloseStreams ends every live stream and refuses new ones (503). serve
// registers it with http.Server.RegisterOnShutdown: Shutdown waits for
// requests to finish, and a stream never finishes by itself. Clients
// reconnect, to another server, with Last-Event-ID.
func (s *Server) CloseStreams() { s.streams.close() }

// StreamFunc serves a live stream of FailedCheckins for caller, with the
// search filter of rawQuery: the one implementation behind the API's
// stream and the console's (Console.Stream), which checks its own session
// and passes its user as caller, and as recheck the same check of the
// request's session, made again every StreamOptions.Recheck.
type StreamFunc = func(w http.ResponseWriter, r *http.Request, caller *fc.Caller, recheck CallerCheck, rawQuery string)

// CallerCheck checks the credentials of a stream's request again: the
// caller as it is now; nil and no error when the credentials no longer
// hold (expired, ended, the user disabled or deleted), as does an error
// with code fc.ErrUnauthorized. Any other error (an outage, a throttle)
// leaves the stream as it is until the next check.
type CallerCheck = func() (*fc.Caller, error)

// streamHandler serves GET .../stream of kind for the API's caller.
func (s *Server) streamHandler(kind *streamKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		recheck := func() (*fc.Caller, error) { return s.recheck(r) }
		s.serveStream(w, r, kind, callerFrom(r.Context()), recheck, r.URL.RawQuery)
	}
}

// consoleStream is the console's entry into the FailedCheckin stream.
func (s *Server) consoleStream(w http.ResponseWriter, r *http.Request, caller *fc.Caller, recheck CallerCheck, rawQuery string) {
	s.serveStream(w, r, failedCheckinStream, caller, recheck, rawQuery)
}

// serveStream validates the request (filter, cursor, limit), then sends
// the stream until the client leaves, the server shuts down, the client
// falls too far behind or a write or read fails.
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request, kind *streamKind, caller *fc.Caller, recheck CallerCheck, rawQuery string) {
	h := s.streams
	if h.store == nil {
		s.writeError(w, r, fc.Errorf(fc.ErrNotFound, "this store has no live streams"))
		return
	}
	q, err := kind.table.ParseFilters(rawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	after, resumed, err := streamCursor(r, rawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	select {
	case <-h.done:
		s.writeError(w, r, fc.Errorf(fc.ErrUnavailable, "the server is shutting down"))
		return
	default:
	}
	if q, err = caller.Restrict(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !h.acquire(caller.UserID) {
		w.Header().Set("Retry-After", "5")
		s.writeError(w, r, fc.Errorf(fc.ErrTooMany, "At most %d live streams may be open per user on one server; close one first.", h.opts.MaxPerUser))
		return
	}
	defer h.release(caller.UserID)
	if err := h.refresh(r.Context()); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !resumed {
		after, _ = h.snapshot(kind.slot) // records written from now on
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream; charset=utf-8")
	hd.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return // the headers say what a GET would get; a HEAD has no body to stream
	}
	s.auditStreamOpen(r)
	sw := newSSEWriter(w, h.opts.WriteTimeout)
	sw.buf = append(sw.buf, "retry: "+strconv.Itoa(streamRetryMillis)+"\n\n"...)
	if err := sw.flush(); err != nil {
		return
	}
	reason := h.run(r.Context(), sw, kind, caller, q, after, resumed, recheck)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "live stream ended", slog.String("request_id", requestID(r.Context())),
		slog.String("reason", reason))
}

// run sends the stream from cursor: every matching record with a larger
// Id, then each new one as it is committed. It returns why it ended.
//
// cursor is a scan position: every matching record with Id <= cursor has
// been sent (or was before the stream). After a span shorter than Span,
// nothing matching lies between cursor and the largest Id known before
// that read, so the cursor moves there even when nothing was sent: a
// rare filter does not make every later read walk the same records again.
//
// Every Recheck the caller is checked again (recheckCaller): the stream
// ends when its credentials no longer hold, its user lost the role or may
// no longer ask the stream's query (masked since it opened), and carries
// only the records of the user's locations as they are now, masked as the
// user sees them now.
func (h *streamHub) run(ctx context.Context, sw *sseWriter, kind *streamKind, caller *fc.Caller, q fc.Query, cursor int64, replay bool, recheck CallerCheck) string {
	keepAlive := time.NewTicker(h.opts.KeepAlive)
	defer keepAlive.Stop()
	rechecks := time.NewTicker(h.opts.Recheck)
	defer rechecks.Stop()
	ended := func() string { // the caller as it is now; "" to go on
		reason := h.recheckCaller(kind, recheck, &caller, &q)
		if reason != "" {
			_ = sw.comment(reason + ": reconnect with new credentials")
			_ = sw.flush()
		}
		return reason
	}
	behind := 0 // records sent in a row without catching up, while live
	var lastRead time.Time
	gather := time.NewTimer(time.Hour) // stopped unless waiting out Gather
	gather.Stop()
	for {
		select { // a replay or a burst checks too, between spans
		case <-rechecks.C:
			if reason := ended(); reason != "" {
				return reason
			}
		default:
		}
		seen, moved := h.snapshot(kind.slot)
		lastRead = time.Now()
		events, err := kind.fetch(ctx, h.store, caller, q, cursor, h.opts.Span)
		if err != nil {
			if ctx.Err() == nil {
				h.log.Warn("live stream: reading records", "error", err.Error())
			}
			return "read failed"
		}
		for _, ev := range events {
			if err := sw.event(ev.id, kind.event, ev.data); err != nil {
				return "write failed"
			}
			cursor = ev.id
		}
		// The stream's closing audit entry, written when it ends, counts
		// what it sent (api/audit.go).
		audit.AddCount(ctx, int64(len(events)))
		if err := sw.flush(); err != nil {
			return "write failed"
		}
		if len(events) == h.opts.Span { // more to read
			if !replay {
				if behind += len(events); behind > h.opts.MaxBehind {
					_ = sw.comment("more than " + strconv.Itoa(h.opts.MaxBehind) + " records behind: reconnect with Last-Event-ID")
					_ = sw.flush()
					return "too far behind"
				}
			}
			continue
		}
		replay, behind = false, 0
		cursor = max(cursor, seen)
		for waiting := true; waiting; {
			select {
			case <-moved:
				moved = nil // a nil channel never fires: now wait for gather, if need be
				if wait := h.opts.Gather - time.Since(lastRead); wait > 0 {
					gather.Reset(wait)
				} else {
					waiting = false
				}
			case <-gather.C:
				waiting = false
			case <-rechecks.C:
				if reason := ended(); reason != "" {
					return reason
				}
			case <-keepAlive.C:
				if err := sw.comment("keep-alive"); err != nil {
					return "write failed"
				}
				if err := sw.flush(); err != nil {
					return "write failed"
				}
			case <-ctx.Done():
				return "client gone"
			case <-h.done:
				return "server shutting down"
			}
		}
	}
}

// recheckCaller checks the stream's caller again (check) and returns why
// the stream must end, or "" with q's scope set to the caller's locations
// as they are now (narrowed when the user lost one). A failure of the
// check itself (an outage) ends nothing: the next check decides.
func (h *streamHub) recheckCaller(kind *streamKind, check CallerCheck, caller **fc.Caller, q *fc.Query) string {
	if check == nil {
		return ""
	}
	c, err := check()
	switch {
	case err != nil && fc.ErrorCode(err) != fc.ErrUnauthorized:
		h.log.Warn("live stream: checking the caller again", "error", err.Error())
		return ""
	case err != nil || c == nil:
		return "the credentials have expired or were revoked"
	case !c.HasRole(kind.role):
		return "the " + kind.role + " role was withdrawn"
	}
	rq, err := c.Restrict(*q)
	if err != nil {
		return "personal data is now masked for this user, and the stream's filter or order uses it"
	}
	*caller, *q = c, rq
	return ""
}

// streamCursor reads where a stream starts: Last-Event-ID (what a
// browser's EventSource sends when it reconnects), else ?after=, else
// nowhere (resumed false: records written from now on). Either is a
// whole number >= 0.
func streamCursor(r *http.Request, rawQuery string) (after int64, resumed bool, err error) {
	name, value := "Last-Event-ID", strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if value == "" {
		name = "after"
		if value, err = searchparams.ParamFold(rawQuery, name, ""); err != nil {
			return 0, false, err
		}
	}
	if value == "" {
		return 0, false, nil
	}
	n, perr := strconv.ParseInt(value, 10, 64)
	if perr != nil || n < 0 {
		return 0, false, fc.InvalidFields([]fc.FieldError{{Property: name,
			Message: "must be the Id of a record: a whole number of at least 0", AttemptedValue: fc.ShortValue(value)}})
	}
	return n, true, nil
}

// sseWriter writes Server-Sent Events through a buffer, each write out
// under a deadline, so a client that stops reading cannot hold the
// stream's goroutine for longer than WriteTimeout.
type sseWriter struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	buf     []byte
}

// newSSEWriter takes the stream out of the server's own timeouts: the
// http.Server's WriteTimeout (a minute, NewHTTPServer) would cut every
// stream off; each write gets a deadline of its own in flush instead
// (TestStreamOutlivesServerTimeouts). The read deadline is cleared too,
// though net/http already clears it when it starts watching an idle
// request's connection for the client hanging up.
func newSSEWriter(w http.ResponseWriter, timeout time.Duration) *sseWriter {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})  // http.ErrNotSupported (a test's recorder): nothing to clear
	_ = rc.SetWriteDeadline(time.Time{}) // the same
	return &sseWriter{w: w, rc: rc, timeout: timeout, buf: make([]byte, 0, 4096)}
}

// event adds one event; it writes out what was gathered once it is large.
func (sw *sseWriter) event(id int64, event string, data []byte) error {
	sw.buf = append(sw.buf, "id: "...)
	sw.buf = strconv.AppendInt(sw.buf, id, 10)
	sw.buf = append(sw.buf, "\nevent: "...)
	sw.buf = append(sw.buf, event...)
	sw.buf = append(sw.buf, "\ndata: "...)
	sw.buf = append(sw.buf, data...)
	sw.buf = append(sw.buf, "\n\n"...)
	if len(sw.buf) >= streamFlushBytes {
		return sw.flush()
	}
	return nil
}

// comment adds a comment line (": text"), which clients ignore.
func (sw *sseWriter) comment(text string) error {
	sw.buf = append(sw.buf, ": "...)
	sw.buf = append(sw.buf, text...)
	sw.buf = append(sw.buf, "\n\n"...)
	return nil
}

// flush writes out what was gathered and pushes it to the client.
func (sw *sseWriter) flush() error {
	if len(sw.buf) == 0 {
		return nil
	}
	if err := sw.rc.SetWriteDeadline(time.Now().Add(sw.timeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	_, err := sw.w.Write(sw.buf)
	sw.buf = sw.buf[:0]
	if err != nil {
		return err
	}
	if err := sw.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
