package audit

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// fakeStore keeps what it is given, and fails while broken is set.
type fakeStore struct {
	mu      sync.Mutex
	entries []*fc.AuditEntry
	batches int
	broken  bool
	calls   int
	totals  []int64 // each entry's *TotalItems as written; -1 for nil
}

func (s *fakeStore) AppendAuditEntries(_ context.Context, es []*fc.AuditEntry) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	if s.broken {
		return errors.New("database is locked")
	}
	for _, e := range es {
		c := *e // the Auditor reuses the entries' memory once this returns
		s.entries = append(s.entries, &c)
		total := int64(-1)
		if e.TotalItems != nil {
			total = *e.TotalItems
		}
		s.totals = append(s.totals, total)
	}
	s.batches++
	return nil
}

func (s *fakeStore) written() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

func (s *fakeStore) setBroken(b bool) {
	s.mu.Lock()
	s.broken = b
	s.mu.Unlock()
}

func entry(path string) fc.AuditEntry {
	return fc.AuditEntry{Channel: fc.ChannelAPI, Method: "GET", Path: path, Status: 200}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestBatchesWithinTheDelay: entries recorded together are written in one
// batch, by the writer loop, once the delay has passed, without Flush or
// Close; their On is set.
func TestBatchesWithinTheDelay(t *testing.T) {
	s := &fakeStore{}
	a := New(s, Options{Delay: 50 * time.Millisecond})
	defer a.Close(context.Background())
	start := time.Now()
	for range 10 {
		a.Record(context.Background(), entry("/a"))
	}
	waitFor(t, "the batch", func() bool { return s.written() == 10 })
	if s.batches != 1 {
		t.Errorf("%d batches; want 1", s.batches)
	}
	if elapsed := time.Since(start); elapsed < 50*time.Millisecond {
		t.Errorf("written after %v; want the delay of 50ms first", elapsed)
	}
	if s.entries[0].On.IsZero() {
		t.Error("On was not set")
	}
}

// TestCloseWritesEverything: Close writes the entries the loop has not
// (its delay is an hour), across several batches; entries recorded after
// Close are dropped and counted.
func TestCloseWritesEverything(t *testing.T) {
	s := &fakeStore{}
	a := New(s, Options{Delay: time.Hour, MaxBatch: 7})
	for range 100 {
		a.Record(context.Background(), entry("/a"))
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.written() != 100 || s.batches != 15 {
		t.Errorf("Close wrote %d entries in %d batches; want 100 in 15", s.written(), s.batches)
	}
	a.Record(context.Background(), entry("/late"))
	if a.Dropped() != 1 || s.written() != 100 {
		t.Errorf("after Close: dropped %d, written %d; want 1, 100", a.Dropped(), s.written())
	}
}

// TestFailedBatchIsKept: a batch the database refuses is kept and written
// once it accepts writes again; nothing is lost or written twice.
func TestFailedBatchIsKept(t *testing.T) {
	s := &fakeStore{broken: true}
	a := New(s, Options{Delay: time.Millisecond})
	defer a.Close(context.Background())
	for range 5 {
		a.Record(context.Background(), entry("/a"))
	}
	waitFor(t, "a failed try", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.calls > 0 })
	if a.Pending() != 5 || a.failed.Load() == 0 {
		t.Errorf("after a failed write: pending %d, failed batches %d; want 5, > 0", a.Pending(), a.failed.Load())
	}
	s.setBroken(false)
	waitFor(t, "the retry", func() bool { return s.written() == 5 }) // the first retry comes after 1 s
	if a.Pending() != 0 || a.Dropped() != 0 {
		t.Errorf("after the retry: pending %d, dropped %d; want 0, 0", a.Pending(), a.Dropped())
	}
}

// TestFullBufferDrops: while the database refuses writes the buffer holds
// at most MaxBufferBytes; further entries are dropped and counted, and
// Record never waits. Close reports the entries it could not write.
func TestFullBufferDrops(t *testing.T) {
	s := &fakeStore{broken: true}
	a := New(s, Options{Delay: time.Millisecond, MaxBufferBytes: 10 * (entryOverhead + len("GET") + len("/a"))})
	start := time.Now()
	for range 25 {
		a.Record(context.Background(), entry("/a"))
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Record took %v with the database down; it must not wait", elapsed)
	}
	if a.Pending() != 10 || a.Dropped() != 15 {
		t.Errorf("pending %d, dropped %d; want 10 kept, 15 dropped", a.Pending(), a.Dropped())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := a.Close(ctx); err == nil {
		t.Error("Close with the database down = nil; want an error saying entries were lost")
	}
	if a.Dropped() != 25 {
		t.Errorf("dropped %d after Close; want all 25", a.Dropped())
	}
}

// TestNoteAndFromRequest: the Note of a request's context carries the
// caller and the counts into the entry; without a Note the setters do
// nothing; text a database cannot store is made storable.
func TestNoteAndFromRequest(t *testing.T) {
	SetUser(context.Background(), "nobody") // no Note: no effect, no panic
	r := httptest.NewRequest("GET", "/api/spaces/failedcheckins?FailedCheckin_Coworker=1", nil)
	ctx, n := WithNote(r.Context())
	r = r.WithContext(ctx)
	SetUser(ctx, "ana@example.com")
	SetPage(ctx, 25, 60)
	e := FromRequest(r, fc.ChannelAPI, 200)
	if e.UserEmail != "ana@example.com" || e.ResultCount != 25 || e.TotalItems == nil || *e.TotalItems != 60 || !n.Counted ||
		e.ClientAddress != "192.0.2.1" || e.Query != "FailedCheckin_Coworker=1" || e.Path != "/api/spaces/failedcheckins" {
		t.Errorf("FromRequest = %+v", e)
	}
	bad := fc.AuditEntry{Path: "/a\x00b", Query: "x=\xff"}
	clean(&bad)
	if bad.Path != "/a\uFFFDb" || bad.Query != "x=\uFFFD" {
		t.Errorf("clean = %q, %q", bad.Path, bad.Query)
	}
}

// recordingStore is a fakeStore during whose writes requests go on:
// during runs inside AppendAuditEntries, before the entries are copied.
type recordingStore struct {
	fakeStore
	during func()
}

func (s *recordingStore) AppendAuditEntries(ctx context.Context, es []*fc.AuditEntry) error {
	if s.during != nil {
		s.during()
	}
	return s.fakeStore.AppendAuditEntries(ctx, es)
}

// numbered records entries /p0, /p1, ... on a, keeping their paths in
// the order recorded.
type numbered struct {
	a    *Auditor
	want []string
}

func (r *numbered) record(n int) {
	for range n {
		p := fmt.Sprintf("/p%d", len(r.want))
		r.want = append(r.want, p)
		r.a.Record(context.Background(), entry(p))
	}
}

// paths are the paths of the entries written, in order.
func (s *recordingStore) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var got []string
	for _, e := range s.entries {
		got = append(got, e.Path)
	}
	return got
}

// TestBufferReusedIntact: the buffer's memory is reused once a batch is
// written (Record copies entries in; the store must not keep them), and
// no entry is overwritten or lost across batches taken whole or in part,
// including entries recorded while a batch is being written.
func TestBufferReusedIntact(t *testing.T) {
	s := &recordingStore{}
	a := New(s, Options{Delay: time.Hour, MaxBatch: 3})
	defer a.Close(context.Background())
	rec := &numbered{a: a}
	record := rec.record
	calls := 0
	s.during = func() {
		if calls++; calls <= 8 {
			record(2)
		}
	}
	for _, n := range []int{5, 4, 3, 1, 7} {
		record(n)
		if err := a.Flush(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	got := s.paths()
	if !slices.Equal(got, rec.want) {
		t.Errorf("written %v; want %v", got, rec.want)
	}
}

// TestQueuedTotalIsACopy: a queued entry holds its TotalItems by value.
// The caller's pointer leads into its request (the audit Note), which the
// buffer must neither keep alive nor read after Record returns.
func TestQueuedTotalIsACopy(t *testing.T) {
	s := &fakeStore{}
	a := New(s, Options{Delay: time.Hour})
	defer a.Close(context.Background())
	total := int64(60)
	e := entry("/search")
	e.TotalItems = &total
	a.Record(context.Background(), e)
	a.Record(context.Background(), entry("/get"))
	total = 7 // the request's memory, changed (or reused) after Record
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.totals, []int64{60, -1}) {
		t.Errorf("written totals %v; want [60 -1]", s.totals)
	}
}

// TestFailedBatchKeepsOrder: a batch the database refuses goes back in
// front of the entries recorded meanwhile, whether it held full arrays of
// the buffer or a partly filled last one (which Record must then not fill
// over); once written, every entry is there once, in order.
func TestFailedBatchKeepsOrder(t *testing.T) {
	s := &recordingStore{}
	a := New(s, Options{Delay: time.Hour, MaxBatch: 3})
	defer a.Close(context.Background())
	rec := &numbered{a: a}
	record := rec.record
	failWhile := func(n int) {
		t.Helper()
		s.setBroken(true)
		s.during = func() { record(n) }
		if err := a.Flush(context.Background()); err == nil {
			t.Fatal("Flush with the database down = nil")
		}
		s.during = nil
		s.setBroken(false)
	}
	record(4)    // [p0 p1 p2] [p3]
	failWhile(2) // the full array fails; p4, p5 fill the last
	failWhile(1) // again; p6 starts an array
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	record(1)    // [p7]
	failWhile(2) // the partly filled array fails; p8, p9 go after it
	record(1)
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := s.paths()
	if !slices.Equal(got, rec.want) || a.Pending() != 0 {
		t.Errorf("written %v, pending %d; want %v, 0", got, a.Pending(), rec.want)
	}
}

// TestFailedWritesKeepArraysFull: a write that fails while an entry is
// recorded puts its partly filled array back in front of the one Record
// started meanwhile; the buffer must still hold its entries in full
// arrays (but the last), or a long outage with light traffic would keep
// one mostly empty array per failed write, beyond MaxBufferBytes, which
// counts entries. The entries keep their order through it.
func TestFailedWritesKeepArraysFull(t *testing.T) {
	s := &recordingStore{}
	a := New(s, Options{Delay: time.Hour})
	defer a.Close(context.Background())
	s.setBroken(true)
	rec := &numbered{a: a}
	rec.record(1)
	s.during = func() { rec.record(1) }
	for range 300 {
		a.Flush(context.Background())
	}
	a.mu.Lock()
	arrays, pending, chunkLen := len(a.chunks), a.pending, a.chunkLen
	a.mu.Unlock()
	if limit := (pending + chunkLen - 1) / chunkLen; arrays > limit {
		t.Errorf("%d entries waiting in %d arrays of %d; want at most %d arrays", pending, arrays, chunkLen, limit)
	}
	s.during = nil
	s.setBroken(false)
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := s.paths()
	if !slices.Equal(got, rec.want) {
		t.Errorf("written %d entries %v; want %d in order", len(got), got, len(rec.want))
	}
}
