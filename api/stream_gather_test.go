package api

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// gatherTail is a RecordTailStore whose largest Id the test sets; it
// records when each FailedCheckinsAfter read happens.
type gatherTail struct {
	mu      sync.Mutex
	largest int64
	reads   []time.Time
}

func (g *gatherTail) set(id int64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.largest = id
}

func (g *gatherTail) readTimes() []time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]time.Time(nil), g.reads...)
}

func (g *gatherTail) LargestRecordIDs(context.Context) (int64, int64, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.largest, 0, nil
}

func (g *gatherTail) FailedCheckinsAfter(_ context.Context, _ fc.Query, after int64, limit int) ([]*fc.FailedCheckin, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.reads = append(g.reads, time.Now())
	var out []*fc.FailedCheckin
	for id := after + 1; id <= g.largest && len(out) < limit; id++ {
		out = append(out, &fc.FailedCheckin{ID: id})
	}
	return out, nil
}

func (g *gatherTail) CheckinsAfter(context.Context, fc.Query, int64, int) ([]*fc.Checkin, error) {
	return nil, nil
}

// lockedWriter is a ResponseWriter that a test may read while a stream
// writes to it.
type lockedWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
	hd  http.Header
}

func (w *lockedWriter) Header() http.Header { return w.hd }
func (w *lockedWriter) WriteHeader(int)     {}
func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
func (w *lockedWriter) has(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Contains(w.buf.String(), s)
}

// TestStreamGather: commits that wake a stream sooner than Gather after
// its last read are read together, in one read once Gather has passed;
// a wake after a quiet spell is read at once; every record is sent.
func TestStreamGather(t *testing.T) {
	const gather = 200 * time.Millisecond
	tail := &gatherTail{}
	h := newStreamHub(StreamOptions{Gather: gather, Poll: time.Hour, KeepAlive: time.Hour, Recheck: time.Hour},
		tail, slog.New(slog.DiscardHandler), func(float64) {})
	w := &lockedWriter{hd: http.Header{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.run(ctx, newSSEWriter(w, time.Second), failedCheckinStream, &fc.Caller{Scope: fc.AllBusinesses()},
			fc.Query{Scope: fc.AllBusinesses()}, 0, false, nil)
	}()
	defer func() { cancel(); <-done }()
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); !ok(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	waitFor("the first read", func() bool { return len(tail.readTimes()) == 1 })
	for id := int64(1); id <= 5; id++ { // five commits, 5 ms apart
		tail.set(id)
		h.raise(0, id)
		time.Sleep(5 * time.Millisecond)
	}
	waitFor("records 1-5", func() bool { return w.has("id: 5\n") })
	reads := tail.readTimes()
	if len(reads) != 2 {
		t.Fatalf("%d reads for five commits within %v of the first read; want 2", len(reads), gather)
	}
	if gap := reads[1].Sub(reads[0]); gap < gather {
		t.Errorf("second read %v after the first; want at least %v", gap, gather)
	}
	for id := 1; id <= 5; id++ {
		if !w.has("id: " + strconv.Itoa(id) + "\n") {
			t.Errorf("record %d not sent", id)
		}
	}

	time.Sleep(gather + 50*time.Millisecond) // a quiet spell
	woken := time.Now()
	tail.set(6)
	h.raise(0, 6)
	waitFor("record 6", func() bool { return w.has("id: 6\n") })
	if reads = tail.readTimes(); len(reads) != 3 || reads[2].Sub(woken) > gather/2 {
		t.Errorf("after a quiet spell: %d reads, the last %v after the wake; want 3, at once",
			len(reads), reads[len(reads)-1].Sub(woken))
	}
}
