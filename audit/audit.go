// Package audit writes the audit trail of PRIVACY.md section 1: who read
// or changed personal data, when, from where and through which channel
// (docs/api.md#the-audit-trail).
//
// An Auditor buffers entries in memory and a goroutine of its own writes
// them to the store in batches, off the request path: a request only
// appends to a slice under a mutex. A batch is written Delay (200 ms)
// after its first entry, so an entry reaches the database well within a
// second of the answer while the database accepts writes. Close, which
// serve calls after the HTTP server's graceful shutdown, writes every
// entry left; a crash (kill -9, power loss) loses the entries of the last
// batch not yet written, at most about a second of requests.
//
// Memory is bounded (Options.MaxBufferBytes, 16 MiB by default: some
// 50,000 ordinary entries). When the database refuses writes (an import
// holding SQLite's write lock, an outage) a failed batch is kept and tried
// again with a growing pause; if the buffer fills meanwhile, new entries
// are dropped, counted (failedcheckins_audit_dropped_total) and logged,
// rather than making requests wait: the same servers admit people at the
// door, which must not stop because the audit table cannot be written.
//
// Requests carry a Note in their context (WithNote), which the layers
// that know fill in: who the caller is (SetUser, by the API's
// authentication and the console's session), and how many records the
// answer held (SetCount, SetPage, AddCount, by the handlers). The API's
// middleware turns the Note into one entry per request of an audited route
// (api/audit.go). Anything else that must write an entry (streams at open
// and close, webhooks, alert rules, erasures, the command line) calls
// Auditor.Record with an entry of its own, for instance from FromRequest.
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	fc "github.com/failedcheckins/failedcheckins"
)

// Writer is what the Auditor needs of a store. AppendAuditEntries must not
// keep the entries (or the slice) after it returns: the Auditor reuses
// their memory for later entries.
type Writer interface {
	AppendAuditEntries(ctx context.Context, entries []*fc.AuditEntry) error
}

// Defaults of Options.
const (
	DefaultDelay          = 200 * time.Millisecond
	DefaultMaxBufferBytes = 16 << 20
	DefaultMaxBatch       = 1000
	// writeTimeout bounds one batch's write, so a database that stopped
	// answering cannot stall the writer (and Close) for ever.
	writeTimeout = 10 * time.Second
	// maxRetryDelay caps the pause between tries of a failed batch.
	maxRetryDelay = 30 * time.Second
	// dropLogEvery spaces the warnings about dropped entries.
	dropLogEvery = 10 * time.Second
	// entryOverhead is what an entry costs beyond its strings, roughly:
	// the struct, its pointer in the buffer and the slice headers.
	entryOverhead = 200
	// maxChunk bounds the entries of one array of the buffer.
	maxChunk = 256
	// maxFreeChunks bounds the written arrays kept to fill again.
	maxFreeChunks = 4
)

// Options tune an Auditor; zero values take the defaults.
type Options struct {
	// Delay is how long the first entry of a batch waits for others
	// before the batch is written.
	Delay time.Duration
	// MaxBufferBytes bounds the memory of the entries not yet written.
	MaxBufferBytes int
	// MaxBatch bounds the entries of one write transaction.
	MaxBatch int
	// Logger receives write failures and dropped entries; nil discards.
	Logger *slog.Logger
	// Now is the clock of the entries' On; nil is time.Now.
	Now func() time.Time
}

// Auditor writes audit entries in batches. A nil *Auditor records
// nothing (auditing off: tests, benchmarks).
type Auditor struct {
	store Writer
	opts  Options
	log   *slog.Logger
	wake  chan struct{} // a buffered signal: entries are waiting
	stop  chan struct{} // closed by Close: the loop ends
	done  chan struct{} // closed when the loop has ended

	mu     sync.Mutex
	closed bool // by Close: later entries are dropped
	// chunks hold the entries not yet written, oldest first, by value, in
	// arrays of chunkLen entries: Record copies its entry into the last
	// one, and a batch takes whole arrays from the front. An entry is
	// never copied again (one growing slice was, at each growth, and
	// its old arrays were garbage: 1-2.5 us of CPU per entry in the
	// get-one benchmark, some 20,000 a second; docs/benchmarks.md,
	// "Audit"), and in a steady state queueing allocates nothing.
	chunks [][]queued
	// free are the arrays of written batches, for Record to fill again.
	free     [][]queued
	chunkLen int // entries an array holds; a divisor of about MaxBatch
	pending  int // entries in chunks
	bufBytes int
	lastDrop time.Time // of the last warning about dropped entries

	written, dropped, failed atomic.Uint64
	batch                    prometheus.Histogram
}

// New starts an Auditor writing to store. Close it to write what is left.
func New(store Writer, opts Options) *Auditor {
	if opts.Delay <= 0 {
		opts.Delay = DefaultDelay
	}
	if opts.MaxBufferBytes <= 0 {
		opts.MaxBufferBytes = DefaultMaxBufferBytes
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = DefaultMaxBatch
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	// MaxBatch in arrays of equal size: a full batch is MaxBatch entries.
	chunkLen := opts.MaxBatch / ((opts.MaxBatch + maxChunk - 1) / maxChunk)
	a := &Auditor{store: store, opts: opts, log: opts.Logger, chunkLen: chunkLen, wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "failedcheckins_audit_batch_seconds",
			Help:    "Time to write one batch of audit entries (failed tries included).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10}}),
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	go a.run()
	return a
}

// Now is the Auditor's clock, for the On of entries built elsewhere.
func (a *Auditor) Now() time.Time {
	if a == nil {
		return time.Now().UTC()
	}
	return a.opts.Now().UTC()
}

// Record queues e to be written; it never blocks on the database. A zero
// On is now. When the buffer is full (the database has refused writes
// for a while) the entry is dropped, counted and logged. After Close an
// entry is dropped the same way (a request the graceful shutdown cut off).
func (a *Auditor) Record(_ context.Context, e fc.AuditEntry) {
	if a == nil {
		return
	}
	if e.On.IsZero() {
		e.On = a.opts.Now()
	}
	clean(&e)
	size := entrySize(&e)
	a.mu.Lock()
	if a.closed || a.bufBytes+size > a.opts.MaxBufferBytes {
		n := a.dropped.Add(1)
		warn := time.Since(a.lastDrop) >= dropLogEvery
		if warn {
			a.lastDrop = time.Now()
		}
		a.mu.Unlock()
		if warn {
			a.log.Warn("audit entries dropped: the buffer is full (the database refuses writes) or the auditor is closed",
				"dropped_total", n, "buffer_bytes", a.opts.MaxBufferBytes)
		}
		return
	}
	q := queued{entry: e}
	if e.TotalItems != nil {
		// The caller's TotalItems points into its request (the audit
		// Note); a queued entry must not keep the request alive.
		q.total, q.hasTotal, q.entry.TotalItems = *e.TotalItems, true, nil
	}
	last := len(a.chunks) - 1
	if last < 0 || len(a.chunks[last]) == cap(a.chunks[last]) {
		a.chunks = append(a.chunks, a.newChunk())
		last++
	}
	a.chunks[last] = append(a.chunks[last], q)
	a.pending++
	a.bufBytes += size
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default: // already signalled
	}
}

// newChunk returns an empty array for entries, a written one if any.
// The caller holds mu.
func (a *Auditor) newChunk() []queued {
	if n := len(a.free); n > 0 {
		c := a.free[n-1]
		a.free[n-1] = nil
		a.free = a.free[:n-1]
		return c
	}
	return make([]queued, 0, a.chunkLen)
}

// repack returns chunks with every array but the last full, the entries
// in the same order. A failed batch whose last array was partly filled
// goes back in front of the arrays Record started meanwhile; left so,
// each failed write during which an entry arrived would keep one more
// mostly empty array, and the buffer's arrays would outgrow
// MaxBufferBytes, which counts entries, not arrays (review of wt-A: 900
// failed writes held 900 arrays for 901 entries). Only on that failure
// path, which the retry pause spaces out, so copying is cheap enough.
// The caller holds mu.
func (a *Auditor) repack(chunks [][]queued) [][]queued {
	ragged := false
	for _, c := range chunks[:max(len(chunks)-1, 0)] {
		ragged = ragged || len(c) < a.chunkLen
	}
	if !ragged {
		return chunks
	}
	var out [][]queued
	for _, c := range chunks {
		for _, q := range c {
			if len(out) == 0 || len(out[len(out)-1]) == a.chunkLen {
				out = append(out, a.newChunk())
			}
			out[len(out)-1] = append(out[len(out)-1], q)
		}
	}
	return out
}

// queued is an entry waiting in the buffer. Its TotalItems is held by
// value and pointed at only while its batch is written.
type queued struct {
	entry    fc.AuditEntry
	total    int64
	hasTotal bool
}

// entrySize is what e counts against Options.MaxBufferBytes.
func entrySize(e *fc.AuditEntry) int {
	return entryOverhead + len(e.UserEmail) + len(e.ClientAddress) + len(e.Method) + len(e.Path) + len(e.Query)
}

// clean makes e's text storable on both databases: valid UTF-8 without
// NUL (PostgreSQL's text takes neither), whatever a client sent.
func clean(e *fc.AuditEntry) {
	for _, s := range []*string{&e.UserEmail, &e.ClientAddress, &e.Method, &e.Path, &e.Query} {
		if !utf8.ValidString(*s) || strings.IndexByte(*s, 0) >= 0 {
			*s = strings.ReplaceAll(strings.ToValidUTF8(*s, "\uFFFD"), "\x00", "\uFFFD")
		}
	}
}

// run is the writer loop: wait for entries, give the batch Delay to fill,
// write it; on failure keep it and try again after a growing pause.
func (a *Auditor) run() {
	defer close(a.done)
	retry := time.Duration(0)
	for {
		select {
		case <-a.wake:
		case <-a.stop:
			return
		}
		pause := a.opts.Delay
		if retry > 0 {
			pause = retry
		}
		select {
		case <-time.After(pause):
		case <-a.stop:
			return // Close writes what is left
		}
		for {
			n, full, err := a.writeBatch(context.Background())
			if err != nil {
				retry = min(max(2*retry, time.Second), maxRetryDelay)
				a.log.Error("audit: writing a batch failed; it is kept and tried again", "entries", n, "retry_in", retry, "error", err)
				a.signal()
				break
			}
			retry = 0
			if !full {
				break
			}
			// A full batch: there may be more waiting, written at once.
		}
	}
}

func (a *Auditor) signal() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// writeBatch writes up to MaxBatch of the oldest entries, whole arrays
// of the buffer. On failure they go back to the front of the buffer (they
// stay counted in its bytes, so new entries are dropped rather than memory
// growing). It returns the number of entries it tried to write, and full
// when MaxBatch left some waiting.
func (a *Auditor) writeBatch(ctx context.Context) (n int, full bool, err error) {
	a.mu.Lock()
	var taken [][]queued
	for len(a.chunks) > 0 && (n == 0 || n+len(a.chunks[0]) <= a.opts.MaxBatch) {
		taken = append(taken, a.chunks[0])
		n += len(a.chunks[0])
		a.chunks[0] = nil
		a.chunks = a.chunks[1:]
	}
	a.pending -= n
	full = len(a.chunks) > 0
	a.mu.Unlock()
	if n == 0 {
		return 0, false, nil
	}
	ptrs := make([]*fc.AuditEntry, 0, n)
	for _, c := range taken {
		for i := range c {
			q := &c[i]
			if q.hasTotal {
				q.entry.TotalItems = &q.total
			}
			ptrs = append(ptrs, &q.entry)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, writeTimeout)
	defer cancel()
	start := time.Now()
	err = a.store.AppendAuditEntries(ctx, ptrs)
	a.batch.Observe(time.Since(start).Seconds())
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		a.failed.Add(1)
		for _, c := range taken {
			for i := range c {
				// The copies must not point into their array while
				// queued: the next write points them again.
				c[i].entry.TotalItems = nil
			}
		}
		// In front of what came meanwhile; Record appends to the last
		// array, which may be a partly filled one put back: it is the
		// newest of the taken.
		a.chunks = a.repack(append(taken, a.chunks...))
		a.pending += n
		return n, full, err
	}
	for _, c := range taken {
		for i := range c {
			a.bufBytes -= entrySize(&c[i].entry)
		}
		// Let go of the written entries' strings.
		clear(c)
		if len(a.free) < maxFreeChunks {
			a.free = append(a.free, c[:0])
		}
	}
	a.written.Add(uint64(n))
	return n, full, nil
}

// Close stops the writer loop and writes every entry left, batch by
// batch, within ctx. It returns an error naming how many entries could not
// be written (they are lost). Entries recorded after Close are dropped.
func (a *Auditor) Close(ctx context.Context) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	already := a.closed
	a.closed = true // under mu: an entry is either in the buffer now, or dropped
	a.mu.Unlock()
	if already {
		return nil
	}
	close(a.stop)
	<-a.done // a batch under way ends within writeTimeout
	for {
		n, _, err := a.writeBatch(ctx)
		if n == 0 {
			return nil
		}
		if err != nil {
			a.mu.Lock()
			lost := a.pending
			a.mu.Unlock()
			a.dropped.Add(uint64(lost))
			return fmt.Errorf("audit: %d entries could not be written at shutdown: %w", lost, err)
		}
	}
}

// Flush writes every entry recorded so far, now, within ctx (the writer
// loop may be writing some of them at the same time; both take from the
// buffer under its lock). Tests use it instead of waiting for a batch.
func (a *Auditor) Flush(ctx context.Context) error {
	if a == nil {
		return nil
	}
	for {
		n, _, err := a.writeBatch(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			// The loop may hold a batch it took before this call: wait
			// until nothing taken is unwritten.
			a.mu.Lock()
			inFlight := a.bufBytes
			a.mu.Unlock()
			if inFlight == 0 {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
}

// Pending is the number of entries not yet written.
func (a *Auditor) Pending() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.pending
}

// Collectors are the Auditor's Prometheus series: entries written and
// dropped, failed batches and batch latency.
func (a *Auditor) Collectors() []prometheus.Collector {
	counter := func(name, help string, v *atomic.Uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v.Load()) })
	}
	return []prometheus.Collector{
		counter("failedcheckins_audit_written_total", "Audit entries written to the database.", &a.written),
		counter("failedcheckins_audit_dropped_total", "Audit entries dropped: the buffer was full (the database refused writes for long) or they came after shutdown.", &a.dropped),
		counter("failedcheckins_audit_failed_batches_total", "Batches of audit entries whose write failed (they are tried again).", &a.failed),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "failedcheckins_audit_pending", Help: "Audit entries waiting to be written."},
			func() float64 { return float64(a.Pending()) }),
		a.batch,
	}
}

// Dropped is the number of entries dropped so far.
func (a *Auditor) Dropped() uint64 { return a.dropped.Load() }

// FromRequest builds the entry of an HTTP request: the caller of its Note
// (SetUser), the client's address (after --trusted-proxies, which rewrite
// RemoteAddr), the method, path and query string as sent, and the counts
// of the Note. The caller sets Status (and may change the rest): a stream
// records one at open and one at close with the count sent.
func FromRequest(r *http.Request, channel fc.AuditChannel, status int) fc.AuditEntry {
	e := fc.AuditEntry{Channel: channel, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Status: status,
		ClientAddress: ClientAddress(r)}
	if n := NoteFrom(r.Context()); n != nil {
		e.UserEmail, e.ResultCount, e.TotalItems = n.UserEmail, n.ResultCount, n.TotalItems
		if n.Query != nil {
			e.Query = *n.Query
		}
	}
	return e
}

// ClientAddress is the host of r.RemoteAddr: the TCP peer, or the client
// a trusted proxy forwarded for (package proxyaddr rewrites RemoteAddr).
func ClientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
