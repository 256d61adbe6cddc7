package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The delivery rules (docs/api.md#delivery).
const (
	// Timeout bounds one attempt: connecting, sending, and the answer.
	Timeout = 15 * time.Second
	// MaxResponseBytes is as much of an answer as is read.
	MaxResponseBytes = 64 << 10
	// Lease is how long a claim lasts: longer than an attempt, so that
	// only a server that died loses one.
	Lease = time.Minute
	// DefaultPoll is how often a dispatcher looks for due deliveries it
	// was not woken for (other servers' records, retries).
	DefaultPoll = time.Second
	// Gather is the least time between two claims of a woken dispatcher
	// while fewer than half its workers are free: under load every group
	// commit wakes it, and a claim per wake would take the database's
	// writer (SQLite's one) from the check-ins about once per commit for
	// a few deliveries each (BenchmarkHTTP16Push/push). The attempts that
	// end claim the next deliveries in the transaction that records them
	// (FinishAndClaim), so a busy dispatcher loses nothing by waiting; a
	// delivery waits at most this long for a free worker's claim
	// (BenchmarkPushLag), far under PUSH.md's second.
	Gather = 10 * time.Millisecond
	// ResultGather is the longest an attempt's result waits for others
	// before it is recorded, while fewer than half of the attempts in
	// flight have ended: results are recorded (and the next deliveries
	// claimed) in one write transaction per group, so a group of about
	// half the workers takes one turn of the writer, one claim and one
	// commit, where attempts ending one by one took one each
	// (BenchmarkWebhookDrain: 0.49 transactions per delivery before).
	// A few milliseconds of delivery lag, nothing lost.
	ResultGather = 5 * time.Millisecond
	// DefaultDefer is serve's --webhook-defer: how long a due delivery
	// may wait while the check-ins are saturated (Config.Defer).
	DefaultDefer = 5 * time.Second
	// DeferCheck is how often a deferring dispatcher looks again: for
	// the end of the saturation (it then catches up) and for deliveries
	// that have waited Defer. A look that finds none is a read, no write.
	DeferCheck = 100 * time.Millisecond
	// DefaultBehind is serve's --webhook-behind (Config.Behind): PUSH.md's
	// second. A dispatcher that keeps up has nothing due that long
	// (BenchmarkPushLag: p99 tens of milliseconds when it does not defer);
	// one whose oldest due work has waited a second already misses the
	// lag target for it, and is falling behind what is queued, and then
	// the check-ins come first.
	DefaultBehind = time.Second
	// BehindCheck is how long the store's answer to "how old is the
	// oldest due work?" (fc.WebhookStore.OldestDue) is used before it is
	// read again: the question is asked on every wake and claim while
	// the check-ins are saturated (a wake per group commit), the read at
	// most ten times a second. A tenth of DefaultBehind: the answer ages
	// in place (its time stays, the clock moves), so only work sent or
	// queued meanwhile is missed, for at most this long.
	BehindCheck = 100 * time.Millisecond
	// maxRetryAfter caps a receiver's Retry-After.
	maxRetryAfter = 24 * time.Hour
)

// NotSentError is the LastError of a delivery whose record no longer
// existed within the webhook's location when it was to be sent: nothing
// was sent (fc.DeliveryResult.NotSent).
const NotSentError = "Not sent: the record was deleted, or is no longer in the webhook's location, before it could be delivered."

// Schedule is the wait before each retry after a failed attempt
// (Standard Webhooks); after the last one the delivery is Failed.
var Schedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour}

// Render returns the body of a delivery: a JSON array holding the record
// exactly as get-one returns it, read within d.Scope (every location when
// nil), and the record's location (0 for a body fixed when queued). An
// fc.ErrNotFound error means the record is gone, or outside d.Scope, and
// the delivery fails for good.
type Render func(ctx context.Context, d *fc.WebhookDelivery) (body []byte, business int64, err error)

// Record names the record a delivery carries: its action and Id.
type Record struct {
	Action int
	ID     int64
}

// Body is a rendered record: a delivery's body (as Render returns it) and
// the record's location.
type Body struct {
	Body     []byte
	Business int64
}

// RenderAll renders several records at once, each read in every location
// as Render reads it: with one read per kind of record rather than one
// per record. A record it leaves out of the map (gone, or of a kind it
// does not batch) is rendered by Render when its deliveries are sent; an
// error leaves them all to Render.
type RenderAll func(ctx context.Context, recs []Record) (map[Record]Body, error)

// Config is what a Dispatcher needs. Store and Render are required.
type Config struct {
	Store  fc.WebhookStore
	Render Render
	// RenderAll, when set, renders the records of each claim with one
	// read before its attempts start (a claim holds up to Workers
	// deliveries: under load several records, three deliveries each in
	// BenchmarkHTTP16Push), where Render reads each record on its own.
	// The profile of BenchmarkHTTP16Push/push: the point reads of the
	// bodies were a tenth of the process's CPU.
	RenderAll RenderAll
	// AllowPrivate lets webhooks connect to private addresses
	// (serve --webhook-allow-private).
	AllowPrivate bool
	// Now is the clock of claims, attempts and the retry schedule; nil
	// is time.Now. Tests inject one so that no test waits for a retry.
	Now func() time.Time
	// Jitter returns a number in [0, 1): the share of the 10% jitter a
	// retry gets; nil is random.
	Jitter func() float64
	// Poll is the interval of Run's look for due deliveries; 0 is
	// DefaultPoll.
	Poll time.Duration
	// Workers bounds the attempts in flight; 0 is 16.
	Workers int
	// Busy, when set, says whether the check-ins are saturated
	// (groupcommit.Queue.Busy). Check-in recording comes first: while Busy
	// reports true the dispatcher claims only deliveries that have been
	// due for at least Defer, and catches up once it reports false. On
	// one machine every delivery (an HTTP request, and on the test
	// machine its receiver) takes CPU the check-ins need
	// (BenchmarkHTTP16Push/push).
	Busy func() bool
	// Defer bounds the deferral: a delivery due for Defer is claimed
	// however busy the check-ins are (at the first look after, at most
	// DeferCheck later, once a worker is free), so the yield holds none
	// back for ever; a backlog larger than the workers send still waits
	// its turn. 0 never defers.
	Defer time.Duration
	// Behind, when positive, limits the deferral to a dispatcher that is
	// behind: while Busy, claims are deferred only once the oldest due
	// work (fc.WebhookStore.OldestDue: a record not yet made into
	// deliveries, or a delivery due and unclaimed) has waited Behind.
	// Busy alone does not say that deferring helps: on a loaded machine
	// the check-ins count as saturated at 1,000 refusals/s, which the
	// dispatcher keeps up with, and deferring then held every delivery up
	// to Defer (BenchmarkPushLag). The answer is read from the store, so
	// it holds whichever server queued or sent the work, after deletes
	// and disables, and from the first claim after a restart. 0 defers
	// on Busy alone.
	Behind time.Duration
	Logger *slog.Logger
	// Transport replaces the guarded transport (tests of the guard's
	// second check use the real one).
	Transport http.RoundTripper
}

// Dispatcher claims due deliveries, sends them and records the results.
// One per server: several servers on one PostgreSQL database each run
// one, and the claims' leases keep them from making the same attempt.
type Dispatcher struct {
	cfg     Config
	client  *http.Client
	owner   string
	wake    chan struct{}
	metrics *Metrics
	wg      sync.WaitGroup

	// The attempts that ended and wait to be recorded (record): one
	// write transaction records all that ended meanwhile.
	fmu      sync.Mutex
	finished []*finished
	flushing bool
	// gathered, when set, is closed once half the attempts in flight
	// have ended (gatherResults). Guarded by fmu.
	gathered chan struct{}
	// busy counts the workers' places taken: by an attempt, from its
	// claim until its result is recorded, or reserved by a claim under
	// way. Guarded by fmu.
	busy int
	// lastClaim is when the last claim started (Gather). Guarded by fmu.
	lastClaim time.Time
	// chain: the transaction that records results also claims the next
	// deliveries (Run; RunOnce makes one round only). Guarded by fmu.
	chain bool

	// The last answer of OldestDue (behind), read at oldestRead by the
	// dispatcher's clock, guarded by bmu; reading is held by the one
	// caller that reads the store (the others take the last answer).
	bmu        sync.Mutex
	oldest     time.Time
	oldestRead time.Time
	reading    sync.Mutex
}

// finished is an attempt's result waiting to be recorded; done is closed
// once it is.
type finished struct {
	r    fc.DeliveryResult
	j    *fc.DeliveryJob
	done chan struct{}
}

// New returns a Dispatcher for cfg with defaults filled in.
func New(cfg Config) *Dispatcher {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Jitter == nil {
		cfg.Jitter = mrand.Float64
	}
	if cfg.Poll <= 0 {
		cfg.Poll = DefaultPoll
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Transport == nil {
		t := NewTransport(cfg.AllowPrivate)
		// Every worker may keep its connection: with fewer idle ones
		// than workers, the connections of a busy receiver are closed
		// and dialled again under load (a TCP handshake and two
		// goroutines per delivery: BenchmarkHTTP16Push).
		t.MaxIdleConnsPerHost = max(t.MaxIdleConnsPerHost, cfg.Workers)
		cfg.Transport = t
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &Dispatcher{
		cfg: cfg,
		client: &http.Client{Transport: cfg.Transport, Timeout: Timeout,
			// Redirects are not followed: a 3xx is a failed attempt.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		owner:   hex.EncodeToString(id[:]),
		wake:    make(chan struct{}, 1),
		metrics: newMetrics(cfg.Store),
	}
}

// NewTransport returns the HTTP transport of webhooks: no proxy from the
// environment (the guard must see the receiver's own address), and,
// unless allowPrivate, a dialer that refuses forbidden addresses after
// resolution (Control).
func NewTransport(allowPrivate bool) *http.Transport {
	d := &net.Dialer{Timeout: Timeout}
	if !allowPrivate {
		d.Control = Control
	}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
}

// Wake asks Run to look for due deliveries now: the store calls it when
// a batch that queued deliveries commits. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// deferring reports whether claims now yield to the check-ins: they are
// saturated and the dispatcher is behind (Config.Behind).
func (d *Dispatcher) deferring(ctx context.Context) bool {
	return d.cfg.Defer > 0 && d.cfg.Busy != nil && d.cfg.Busy() && d.behind(ctx)
}

// behind reports whether the oldest due work has waited Config.Behind,
// as the store last said within BehindCheck (always true when Behind is
// 0). A store that cannot answer counts as behind: the check-ins keep
// their precedence, and Defer still bounds the wait. One caller reads at
// a time, for at most behindRead; the others meanwhile judge by the last
// answer rather than wait: the results of finished attempts are recorded
// after this question, and a read stuck behind the SQLite reader pool's
// few connections must not hold them (or Run) up.
func (d *Dispatcher) behind(ctx context.Context) bool {
	if d.cfg.Behind <= 0 {
		return true
	}
	now := d.cfg.Now()
	d.bmu.Lock()
	oldest, read := d.oldest, d.oldestRead
	d.bmu.Unlock()
	if age := now.Sub(read); (read.IsZero() || age >= BehindCheck || age < 0) && d.reading.TryLock() {
		rctx, cancel := context.WithTimeout(ctx, behindRead)
		got, err := d.cfg.Store.OldestDue(rctx, now)
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				d.cfg.Logger.Warn("webhook: read the oldest due work", "error", err)
			}
			got = now.Add(-d.cfg.Behind)
		}
		oldest = got
		d.bmu.Lock()
		d.oldest, d.oldestRead = got, now
		d.bmu.Unlock()
		d.reading.Unlock()
	}
	return !oldest.IsZero() && now.Sub(oldest) >= d.cfg.Behind
}

// behindRead bounds behind's read of the store; past it the answer is
// "behind" (main's rule before Config.Behind) until the next read.
const behindRead = time.Second

// dueBy returns the time up to which deliveries are due for a claim at
// now: now, or, while the check-ins are saturated, now less Defer, so
// that only those that have waited the bound are sent (a lease that
// expired, its server dead, is likewise taken up to Defer later). The new
// leases still run from now. deferred says whether the cutoff was moved:
// the caller then makes sure another look follows (Run's recheck), since
// the saturation may end with no wake to come.
func (d *Dispatcher) dueBy(ctx context.Context, now time.Time) (due time.Time, deferred bool) {
	if d.deferring(ctx) {
		return now.Add(-d.cfg.Defer), true
	}
	return now, false
}

// Run sends deliveries until ctx ends: when woken (at once while at
// least half the workers are free and the last claim is Gather old,
// otherwise once it is), and every Poll; the attempts that end claim the
// next deliveries as they are recorded. While the check-ins are
// saturated (Config.Busy) a wake only starts a look every DeferCheck,
// which claims what has waited Config.Defer, until the saturation ends
// and the dispatcher catches up. It waits for the attempts in flight
// before returning.
func (d *Dispatcher) Run(ctx context.Context) {
	d.fmu.Lock()
	d.chain = true
	d.fmu.Unlock()
	// Runs last, after the attempts in flight ended: a RunOnce after Run
	// makes one round only again (review finding).
	defer func() {
		d.fmu.Lock()
		d.chain = false
		d.fmu.Unlock()
	}()
	t := time.NewTicker(d.cfg.Poll)
	defer t.Stop()
	defer d.wg.Wait()
	gather := time.NewTimer(time.Hour)
	gather.Stop()
	defer gather.Stop()
	armed := false
	recheck := time.NewTimer(time.Hour)
	recheck.Stop()
	defer recheck.Stop()
	deferred := false // recheck is armed
	claim := func() {
		_, deferredClaim, err := d.start(ctx)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("webhook: claim deliveries", "error", err)
		}
		if deferredClaim && !deferred {
			// What it left waits for the next look: the burst may
			// end with no wake to come.
			recheck.Reset(DeferCheck)
			deferred = true
		}
	}
	claim()
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
			if armed || deferred {
				continue // the timer's claim will see it
			}
			if d.deferring(ctx) {
				// The check-ins come first: look again shortly, for
				// the end of the burst or deliveries due for Defer.
				recheck.Reset(DeferCheck)
				deferred = true
				continue
			}
			d.fmu.Lock()
			free, since := d.cfg.Workers-d.busy, time.Since(d.lastClaim)
			d.fmu.Unlock()
			wait := Gather - since
			if 2*free < d.cfg.Workers {
				// Most workers are busy, and the first to end claims:
				// the timer only covers workers held long by slow
				// receivers.
				wait = Gather
			}
			if wait <= 0 {
				claim()
				continue
			}
			gather.Reset(wait)
			armed = true
		case <-gather.C:
			armed = false
			claim()
		case <-recheck.C:
			deferred = false
			claim() // all that is due once the burst is over, or what waited Defer; re-arms while deferring
		case <-t.C:
			claim()
		}
	}
}

// RunOnce claims the deliveries due now, attempts each, records the
// results and returns how many it attempted: one synchronous round, for
// tests and the command line.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	n, _, err := d.start(ctx)
	d.wg.Wait()
	return n, err
}

// start claims as many due deliveries as there are free workers and
// starts an attempt of each.
func (d *Dispatcher) start(ctx context.Context) (n int, deferred bool, err error) {
	d.fmu.Lock()
	free := d.cfg.Workers - d.busy
	d.busy += free
	if free > 0 {
		d.lastClaim = time.Now()
	}
	d.fmu.Unlock()
	if free <= 0 {
		return 0, false, nil
	}
	now := d.cfg.Now()
	due, deferred := d.dueBy(ctx, now)
	jobs, err := d.cfg.Store.ClaimDeliveries(ctx, d.owner, due, now.Add(Lease), free)
	if err != nil {
		jobs = nil
	}
	d.fmu.Lock()
	d.busy -= free - len(jobs)
	d.fmu.Unlock()
	d.launch(ctx, jobs)
	return len(jobs), deferred, err
}

// launch starts an attempt of each claimed job, whose workers' places
// are already counted in busy. Once ctx has ended (shutdown) none is
// started: an attempt would fail for the shutdown's sake and count
// against its webhook; the leases run out and another server, or this
// one's next start, sends them.
func (d *Dispatcher) launch(ctx context.Context, jobs []*fc.DeliveryJob) {
	if ctx.Err() != nil {
		d.fmu.Lock()
		d.busy -= len(jobs)
		d.fmu.Unlock()
		return
	}
	bodies := &renders{}
	start := func() {
		for _, j := range jobs {
			d.wg.Add(1)
			go func() {
				defer d.wg.Done()
				d.deliver(ctx, j, bodies)
			}()
		}
	}
	if d.cfg.RenderAll == nil || len(jobs) < 2 {
		start()
		return
	}
	// The claim's records are read on a goroutine of their own: launch
	// runs on the goroutine that records the results of other attempts
	// (recordResults), which a slow read must not hold up past their
	// leases. The read has a bound of its own; past it (or on any error)
	// each body is read by Render, as without RenderAll.
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		rctx, cancel := context.WithTimeout(ctx, renderAllTimeout)
		bodies.prefetch(rctx, jobs, d.cfg.RenderAll, d.cfg.Logger)
		cancel()
		start()
	}()
}

// renderAllTimeout bounds a claim's read of its records (Config.RenderAll),
// well within the deliveries' Lease.
const renderAllTimeout = 10 * time.Second

// deliver makes one attempt of a claimed delivery and records it.
func (d *Dispatcher) deliver(ctx context.Context, j *fc.DeliveryJob, bodies *renders) {
	d.record(ctx, d.attempt(ctx, j, bodies), j)
}

// renders shares the bodies of one claim's deliveries: the deliveries of
// one record to several webhooks (three webhooks that cover a refusal
// queue three, with consecutive Ids, so usually claimed together) are
// rendered once, with one read of the record, rather than once per
// webhook (BenchmarkWebhookDrain). The record is read in every location
// and each delivery's scope is checked against its location here, so
// webhooks of different locations share the read too. The record is read
// as it is when the first of them is sent, as each would have read it;
// with Config.RenderAll, as it is when the claim's attempts start.
type renders struct {
	mu sync.Mutex
	m  map[Record]func() (rendered, error)
}

// prefetch renders the records of jobs with one call of all, when they
// are more than one (a lone record's point read is cheaper than all's
// read), so that their attempts find their bodies ready. Records all
// leaves out, and every record when it fails, are rendered one by one as
// before.
func (r *renders) prefetch(ctx context.Context, jobs []*fc.DeliveryJob, all RenderAll, log *slog.Logger) {
	var recs []Record
	seen := map[Record]bool{}
	for _, j := range jobs {
		del := &j.Delivery
		k := Record{Action: del.Action, ID: del.RecordID}
		if del.Body != nil || seen[k] {
			continue
		}
		seen[k] = true
		recs = append(recs, k)
	}
	if len(recs) < 2 {
		return
	}
	got, err := all(ctx, recs)
	if err != nil {
		log.Warn("webhook: render the bodies", "error", err)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = make(map[Record]func() (rendered, error), len(got))
	}
	for k, b := range got {
		r.m[k] = func() (rendered, error) { return rendered{b.Body, b.Business}, nil }
	}
}

// rendered is a record's body and location.
type rendered struct {
	body     []byte
	business int64
}

// body returns del's body, rendering it with render unless another
// delivery of the same claim has (or is doing so: it waits for that). A
// record outside del.Scope is an fc.ErrNotFound error, as render's own
// scoped read says.
func (r *renders) body(ctx context.Context, del *fc.WebhookDelivery, render Render) ([]byte, error) {
	if del.Body != nil { // fixed when queued
		b, _, err := render(ctx, del)
		return b, err
	}
	k := Record{Action: del.Action, ID: del.RecordID}
	r.mu.Lock()
	f, ok := r.m[k]
	if !ok {
		all := *del
		all.Scope = nil
		f = sync.OnceValues(func() (rendered, error) {
			b, business, err := render(ctx, &all)
			return rendered{b, business}, err
		})
		if r.m == nil {
			r.m = map[Record]func() (rendered, error){}
		}
		r.m[k] = f
	}
	r.mu.Unlock()
	got, err := f()
	if err != nil {
		return nil, err
	}
	if del.Scope != nil && *del.Scope != got.business {
		return nil, fc.Errorf(fc.ErrNotFound, "Not found")
	}
	return got.body, nil
}

// record records an attempt's result and returns once it is recorded.
// Results are recorded in groups, as check-ins are committed: the first
// attempt to end while no group is being written writes its own and every
// other one that ended meanwhile, in one transaction, and goes on while
// more wait; the others wait for it. One write per delivery would take
// the database's writer, which the check-ins need (SQLite has one), a
// thousand times a second under load (BenchmarkHTTP16Push). Under Run the
// same transaction claims the next due deliveries for the places of the
// attempts recorded and any other free ones (FinishAndClaim), and starts
// them: a busy dispatcher takes one turn of the writer per group, not
// one for its results and one more for its next claim.
func (d *Dispatcher) record(ctx context.Context, r fc.DeliveryResult, j *fc.DeliveryJob) {
	me := &finished{r: r, j: j, done: make(chan struct{})}
	d.fmu.Lock()
	d.finished = append(d.finished, me)
	if d.gathered != nil && d.enoughResults() {
		close(d.gathered)
		d.gathered = nil
	}
	if d.flushing {
		d.fmu.Unlock()
		<-me.done
		return
	}
	d.flushing = true
	d.fmu.Unlock()
	// The results are recorded even when ctx ended meanwhile (shutdown):
	// otherwise a delivered record would be sent again after the lease.
	rctx := context.WithoutCancel(ctx)
	for {
		d.gatherResults()
		d.fmu.Lock()
		batch := d.finished
		d.finished = nil
		if len(batch) == 0 {
			d.flushing = false
			d.fmu.Unlock()
			return
		}
		// The batch's places pass to the claim, with every free one; no
		// claims once ctx ended.
		places := len(batch)
		if d.chain && ctx.Err() == nil {
			free := d.cfg.Workers - d.busy
			d.busy += free
			places += free
			d.lastClaim = time.Now()
		} else {
			places = 0
			d.busy -= len(batch)
		}
		d.fmu.Unlock()
		results := make([]fc.DeliveryResult, len(batch))
		for i, f := range batch {
			results[i] = f.r
		}
		wctx, cancel := context.WithTimeout(rctx, 10*time.Second)
		var jobs []*fc.DeliveryJob
		var err error
		if places > 0 {
			now := d.cfg.Now()
			due, deferred := d.dueBy(wctx, now)
			jobs, err = d.cfg.Store.FinishAndClaim(wctx, d.owner, results, due, now.Add(Lease), places)
			if err != nil {
				jobs = nil
			}
			if deferred {
				// What the cutoff left waits for Run's next look, which
				// a wake arms (the burst may end with no commit to
				// wake it).
				d.Wake()
			}
		} else {
			err = d.cfg.Store.FinishDeliveries(wctx, d.owner, results)
		}
		cancel()
		if places > 0 {
			d.fmu.Lock()
			d.busy -= places - len(jobs)
			d.fmu.Unlock()
			d.launch(ctx, jobs)
		}
		now := d.cfg.Now()
		for _, f := range batch {
			if err != nil {
				// The lease runs out and the delivery is attempted again.
				d.cfg.Logger.Warn("webhook: record the attempt", "delivery", f.j.Delivery.ID, "error", err)
			} else {
				d.metrics.observe(f.r, f.j, now)
			}
			close(f.done)
		}
	}
}

// enoughResults reports whether a group of results may be recorded
// without waiting for more: at least half of the places held by attempts
// (busy, which counts those that ended until they are recorded) have
// ended. A lone attempt (light load: BenchmarkPushLag) never waits.
// Called with fmu held.
func (d *Dispatcher) enoughResults() bool {
	return 2*len(d.finished) >= d.busy
}

// gatherResults waits, under Run, until half the attempts in flight have
// ended or ResultGather has passed, so that they are recorded together
// (ResultGather).
func (d *Dispatcher) gatherResults() {
	d.fmu.Lock()
	if !d.chain || d.enoughResults() {
		d.fmu.Unlock()
		return
	}
	ch := make(chan struct{})
	d.gathered = ch
	d.fmu.Unlock()
	t := time.NewTimer(ResultGather)
	select {
	case <-ch:
	case <-t.C:
	}
	t.Stop()
	d.fmu.Lock()
	if d.gathered == ch {
		d.gathered = nil
	}
	d.fmu.Unlock()
}

// attempt POSTs the delivery once and says what came of it.
func (d *Dispatcher) attempt(ctx context.Context, j *fc.DeliveryJob, bodies *renders) fc.DeliveryResult {
	del := &j.Delivery
	r := fc.DeliveryResult{DeliveryID: del.ID, WebhookID: del.WebhookID, At: d.cfg.Now()}
	body, err := bodies.body(ctx, del, d.cfg.Render)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		// Failed for good (the record will not come back), but not the
		// receiver's failure: it must not count towards disabling the
		// webhook (fc.DeliveryResult.NotSent).
		r.NotSent = true
		r.Error = NotSentError
		return r
	}
	if err != nil {
		d.cfg.Logger.Warn("webhook: render the body", "delivery", del.ID, "error", err)
		return d.failed(r, del, "The record could not be read.", nil)
	}
	req, err := d.request(ctx, j, body, r.At)
	if err != nil {
		r.Error = "The URL is not valid: " + err.Error()
		return r
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return d.failed(r, del, short(err.Error()), nil)
	}
	// Read a bounded part of the answer, so the connection can be
	// reused; it is never logged.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, MaxResponseBytes))
	_ = resp.Body.Close()
	r.StatusCode = resp.StatusCode
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		r.Delivered = true
		return r
	}
	r.Disable = resp.StatusCode == http.StatusGone
	return d.failed(r, del, "HTTP "+strconv.Itoa(resp.StatusCode), resp)
}

// request builds the signed POST of one attempt at time at.
func (d *Dispatcher) request(ctx context.Context, j *fc.DeliveryJob, body []byte, at time.Time) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	// The header map is filled directly: the names are already in
	// canonical form, and Set would canonicalize each on every attempt.
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header = http.Header{
		"Content-Type":             {"application/json"},
		"User-Agent":               {"failedcheckins-webhooks"},
		"X-Nexudus-Hook-Signature": {NexudusSignature(j.Secret, body)},
		"Webhook-Id":               {j.Delivery.EventID},
		"Webhook-Timestamp":        {ts},
		"Webhook-Signature":        {StandardSignature(j.Secret, j.Delivery.EventID, ts, body)},
	}
	return req, nil
}

// NexudusSignature is X-Nexudus-Hook-Signature: the upper-case hex
// HMAC-SHA256 of body keyed with the ASCII bytes of the secret string.
func NexudusSignature(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	var sum [sha256.Size]byte
	var out [2 * sha256.Size]byte
	const upper = "0123456789ABCDEF"
	for i, b := range mac.Sum(sum[:0]) {
		out[2*i], out[2*i+1] = upper[b>>4], upper[b&0x0f]
	}
	return string(out[:])
}

// StandardSignature is the Standard Webhooks v1 webhook-signature:
// "v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}", keyed
// with the bytes the secret's base64 after "whsec_" decodes to. A secret
// that is not base64, or whose base64 is empty ("whsec_"), is keyed with
// its own bytes, as the library's NewWebhook then NewWebhookRaw did
// before (NewWebhook refuses an empty key); the API and the CLI refuse
// such secrets (ValidSecret), so only one set through the store directly
// gets here. It is what standardwebhooks.Webhook.Sign returns (the
// tests' receivers verify every delivery with that library), written
// into the HMAC piece by piece instead of copying the body twice into a
// formatted string on every attempt.
func StandardSignature(secret, id, timestamp string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, fc.WebhookSecretPrefix))
	if err != nil || len(key) == 0 {
		key = []byte(secret)
	}
	mac := hmac.New(sha256.New, key)
	_, _ = io.WriteString(mac, id)
	_, _ = io.WriteString(mac, ".")
	_, _ = io.WriteString(mac, timestamp)
	_, _ = io.WriteString(mac, ".")
	mac.Write(body)
	var sum [sha256.Size]byte
	var out [3 + 44]byte // "v1," and the base64 of 32 bytes
	copy(out[:], "v1,")
	base64.StdEncoding.Encode(out[3:], mac.Sum(sum[:0]))
	return string(out[:])
}

// failed fills in a failed attempt: its error and the next attempt's
// time, or none after the last retry. resp, when the receiver answered,
// may ask for a longer wait (Retry-After on a 429 or 503).
func (d *Dispatcher) failed(r fc.DeliveryResult, del *fc.WebhookDelivery, msg string, resp *http.Response) fc.DeliveryResult {
	r.Error = msg
	n := del.Attempts // retries so far
	if n >= len(Schedule) {
		return r
	}
	wait := Schedule[n] + time.Duration(float64(Schedule[n])*0.1*d.cfg.Jitter())
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if ra, ok := retryAfter(resp.Header.Get("Retry-After"), r.At); ok && ra > wait {
			wait = min(ra, maxRetryAfter)
		}
	}
	next := r.At.Add(wait)
	r.Next = &next
	return r
}

// retryAfter reads a Retry-After header: seconds, or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && s >= 0 {
		return time.Duration(min(s, int64(maxRetryAfter/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t.Sub(now), true
	}
	return 0, false
}

// short keeps an error's text to a length fit for LastError.
func short(s string) string {
	const limit = 300
	if len(s) <= limit {
		return s
	}
	return strings.ToValidUTF8(s[:limit], "") + "..."
}
