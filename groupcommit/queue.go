// Package groupcommit turns concurrent check-in attempts into group
// commits: one writer goroutine drains a bounded queue, hands each batch to
// the store's RecordAttempts (one transaction, one fsync for the whole
// batch) and then answers every waiter. A 200 therefore still means
// "committed", while the cost of the fsync is shared by every attempt that
// arrived while the previous batch was being written. Because one goroutine
// writes, attempts are judged one after another, so the monthly limit holds
// however many clients submit at once.
//
// It imports only the domain, so it serves any store.
package groupcommit

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Defaults of Options.
const (
	DefaultQueueSize = 4096
	DefaultMaxBatch  = 512
	// DefaultBusyBatch is Options.BusyBatch's default. Measured on the
	// 2-core test machine (docs/benchmarks.md, issue 13): at about 1,000
	// refusals/s from 16 clients (BenchmarkPushLag) the windows average
	// 1.0-1.7 attempts a batch; with 16 clients posting as fast as they
	// can (BenchmarkHTTP16Push) 6.8-8.
	DefaultBusyBatch = 4
	// LoadWindow is the window over which Busy averages the batches.
	LoadWindow = 100 * time.Millisecond
	// batchTimeout bounds one batch: it serves many requests, so it runs
	// on its own context rather than any one request's.
	batchTimeout = 30 * time.Second
)

// Options tune a Queue; zero values take the defaults.
type Options struct {
	QueueSize int // pending attempts before Submit waits
	MaxBatch  int // attempts per transaction
	// BusyBatch is the average number of attempts per batch, over a
	// LoadWindow, from which the queue counts as saturated (Busy).
	BusyBatch float64
}

// Queue serialises attempts into batches. It is safe for concurrent use.
type Queue struct {
	store    fc.AttemptStore
	reqs     chan *request
	stop     chan struct{} // closed by Close: accept nothing new
	done     chan struct{} // closed when the writer has drained and exited
	maxBatch int
	// requests recycles requests and their result channels: one of each
	// per attempt otherwise. Only a request whose result was received goes
	// back, so the writer never holds a recycled one.
	requests sync.Pool
	attempts []*fc.Attempt // the writer's batch buffer, reused
	// The current load window (Busy), the writer's alone.
	busyBatch               float64
	winStart                time.Time
	winAttempts, winBatches int
	// busyUntil (Unix nanoseconds): Busy reports true until then.
	busyUntil atomic.Int64
}

type request struct {
	ctx context.Context
	a   *fc.Attempt
	res chan fc.AttemptResult // buffered: the writer never blocks on a gone waiter
}

// New starts the writer goroutine; Close stops it.
func New(store fc.AttemptStore, opt Options) *Queue {
	if opt.QueueSize <= 0 {
		opt.QueueSize = DefaultQueueSize
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = DefaultMaxBatch
	}
	if opt.BusyBatch <= 0 {
		opt.BusyBatch = DefaultBusyBatch
	}
	q := &Queue{store: store, reqs: make(chan *request, opt.QueueSize), stop: make(chan struct{}),
		done: make(chan struct{}), maxBatch: opt.MaxBatch, attempts: make([]*fc.Attempt, 0, opt.MaxBatch),
		busyBatch: opt.BusyBatch, winStart: time.Now()}
	q.requests.New = func() any { return &request{res: make(chan fc.AttemptResult, 1)} }
	go q.write()
	return q
}

func unavailable() error { return fc.Errorf(fc.ErrUnavailable, "The service is shutting down.") }

// Submit queues the attempt and waits until its batch is committed. It
// returns the outcome, a per-attempt error (ErrInvalid, ErrConflict), or
// an error of the whole batch. When ctx ends first Submit returns its
// error; the attempt may still be committed, but its caller got no success.
func (q *Queue) Submit(ctx context.Context, a *fc.Attempt) (*fc.Outcome, error) {
	select {
	case <-q.stop:
		return nil, unavailable()
	default:
	}
	r := q.requests.Get().(*request)
	r.ctx, r.a = ctx, a
	select {
	case q.reqs <- r:
	case <-ctx.Done():
		return nil, cancelled(ctx)
	case <-q.stop:
		return nil, unavailable()
	}
	select {
	case res := <-r.res:
		q.recycle(r)
		return res.Outcome, res.Err
	case <-ctx.Done():
		return nil, cancelled(ctx)
	case <-q.done:
		// The writer exited; our request was either answered (res is
		// ready) or never taken.
		select {
		case res := <-r.res:
			q.recycle(r)
			return res.Outcome, res.Err
		default:
			return nil, unavailable()
		}
	}
}

// recycle returns a request whose result was received: the writer is
// done with it and its channel is empty.
func (q *Queue) recycle(r *request) {
	r.ctx, r.a = nil, nil
	q.requests.Put(r)
}

func cancelled(ctx context.Context) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "The request ended before the attempt was recorded."), ctx.Err())
}

// Close stops accepting attempts, writes every queued one and waits for
// the writer to finish, so a shutdown loses no accepted request.
func (q *Queue) Close() {
	select {
	case <-q.stop:
	default:
		close(q.stop)
	}
	<-q.done
}

// write is the single writer: take one request (waiting), add whatever
// else is queued up to maxBatch, commit, answer; on Close drain and exit.
func (q *Queue) write() {
	defer close(q.done)
	batch := make([]*request, 0, q.maxBatch)
	for {
		select {
		case r := <-q.reqs:
			batch = q.fill(append(batch[:0], r))
			q.commit(batch)
		case <-q.stop:
			for {
				batch = q.fill(batch[:0])
				if len(batch) == 0 {
					return
				}
				q.commit(batch)
			}
		}
	}
}

// fill adds queued requests without waiting.
func (q *Queue) fill(batch []*request) []*request {
	for len(batch) < q.maxBatch {
		select {
		case r := <-q.reqs:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// commit records the batch, skipping requests whose caller has gone.
func (q *Queue) commit(batch []*request) {
	live := batch[:0:0]
	attempts := q.attempts[:0]
	defer clear(attempts[:cap(attempts)]) // keep no attempt alive between batches
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.res <- fc.AttemptResult{Err: cancelled(r.ctx)}
			continue
		}
		live = append(live, r)
		attempts = append(attempts, r.a)
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), batchTimeout)
	defer cancel()
	start := time.Now()
	results, err := q.store.RecordAttempts(ctx, attempts)
	q.observe(len(attempts), start, time.Now())
	for i, r := range live {
		if err != nil {
			r.res <- fc.AttemptResult{Err: err}
		} else {
			r.res <- results[i]
		}
	}
}

// Busy reports whether the check-ins are saturated: the batches of the
// last LoadWindow averaged at least Options.BusyBatch attempts (clients
// queue faster than each commit ends), and that window ended less than
// two windows and two of its commits ago (a queue that went quiet is not
// busy, whatever its last batches were). The webhook dispatcher defers its work while Busy
// (webhook.Config.Busy): check-in recording comes first.
func (q *Queue) Busy() bool {
	return time.Now().UnixNano() < q.busyUntil.Load()
}

// observe counts a batch of n attempts, committed from start to now, in
// the load window, and judges the window once it is LoadWindow long. A
// busy verdict holds for two windows plus two commits as long as this
// one: when commits take longer than a window (a checkpoint, a slow
// disk) the next busy verdict may come only two commits later (see
// below), and Busy must not turn false between saturated commits, or the
// dispatcher would catch up just when the database is slowest (review
// finding).
func (q *Queue) observe(n int, start, now time.Time) {
	q.winAttempts += n
	q.winBatches++
	if now.Sub(q.winStart) < LoadWindow {
		return
	}
	if float64(q.winAttempts) >= q.busyBatch*float64(q.winBatches) {
		// At most a second for the commits: a batch stalled until its
		// timeout must not keep the verdict for a minute after.
		hold := 2*LoadWindow + min(2*now.Sub(start), time.Second)
		q.busyUntil.Store(now.Add(hold).UnixNano())
	}
	// A window judged not busy does not end a busy verdict at once: the
	// batch after a long one is often small (the collector starts it with
	// the first clients back), so slow commits alternate large and small
	// batches; the verdict lapses by itself once no window renews it.
	q.winStart, q.winAttempts, q.winBatches = now, 0, 0
}
