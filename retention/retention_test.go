package retention

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

func TestParseDays(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "0d": 0, "90d": 90 * Day, " 730d ": 730 * Day} {
		if got, err := ParseDays(in); err != nil || got != want {
			t.Errorf("ParseDays(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"90", "90h", "d", "-1d", "1.5d", "9999999d", "90 d"} {
		if _, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q) = nil error; want one", in)
		}
	}
	if got := FormatDays(400 * Day); got != "400d" {
		t.Errorf("FormatDays(400 days) = %q", got)
	}
}

func TestWindowsValidate(t *testing.T) {
	ok := []Windows{{}, {AnonymizeAfter: 90 * Day}, {DeleteAfter: 30 * Day}, {AnonymizeAfter: 90 * Day, DeleteAfter: 730 * Day, AuditRetention: 400 * Day}}
	for _, w := range ok {
		if err := w.Validate(); err != nil {
			t.Errorf("%+v.Validate() = %v; want nil", w, err)
		}
	}
	for _, w := range []Windows{{AnonymizeAfter: 730 * Day, DeleteAfter: 90 * Day}, {AnonymizeAfter: 90 * Day, DeleteAfter: 90 * Day}, {AuditRetention: -Day}} {
		if err := w.Validate(); err == nil {
			t.Errorf("%+v.Validate() = nil; want an error", w)
		}
	}
}

// TestNextSize: a batch is sized in proportion to the target from the
// last one's hold (halved again after a hold over half the Bound), never
// growing by more than a quarter, within [MinBatch, MaxBatch]: a batch
// whose fixed cost alone passes the target does not shrink the next ones
// to a record each.
func TestNextSize(t *testing.T) {
	r := &Runner{Target: 20 * time.Millisecond}
	for _, c := range []struct {
		size int
		held time.Duration
		want int
	}{
		{100, 20 * time.Millisecond, 100},
		{100, 40 * time.Millisecond, 25},
		{100, 25 * time.Millisecond, 80},
		{100, 10 * time.Millisecond, 125},
		{100, time.Millisecond, 125},
		{100, 0, 125},
		{4500, time.Millisecond, MaxBatch},
		{100, time.Second, DefaultMinBatch},
		{DefaultMinBatch, 30 * time.Millisecond, DefaultMinBatch},
		{1, time.Second, DefaultMinBatch},
		{1, 0, DefaultMinBatch},
	} {
		if got := r.nextSize(c.size, c.held); got != c.want {
			t.Errorf("nextSize(%d, %v) = %d; want %d", c.size, c.held, got, c.want)
		}
	}
	r.MinBatch = 5
	if got := r.nextSize(100, time.Second); got != 5 {
		t.Errorf("nextSize(100, 1s) with MinBatch 5 = %d; want 5", got)
	}
	r.MinBatch = 2 * MaxBatch
	if got := r.nextSize(100, time.Second); got != MaxBatch {
		t.Errorf("nextSize(100, 1s) with MinBatch 2*MaxBatch = %d; want MaxBatch (%d)", got, MaxBatch)
	}
}

// lockStore is an fc.PrivacyStore whose TryRetentionLock answers with
// err, or that the lock is held elsewhere, and tells calls of each call.
type lockStore struct {
	fc.PrivacyStore
	err   error
	calls chan struct{}
}

func (s lockStore) TryRetentionLock(ctx context.Context) (fc.RetentionRun, bool, error) {
	s.calls <- struct{}{}
	return nil, false, s.err
}

// records is a slog.Handler that keeps the records at Info and above.
type records struct {
	mu  sync.Mutex
	got []slog.Record
}

func (h *records) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *records) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.got = append(h.got, r)
	return nil
}
func (h *records) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *records) WithGroup(string) slog.Handler      { return h }

// TestStartLogs: a server that finds the lock held says nothing at Info
// (the delivery log's window is on by default, so each PostgreSQL server
// but one would say it every hour), and a run that stops logs every
// count, the deliveries deleted among them. The runner's second call of
// TryRetentionLock means its first run has logged.
func TestStartLogs(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want []string // messages at Info and above
	}{
		{"locked", nil, nil},
		{"failed", errors.New("boom"), []string{"retention: the run stopped"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := &records{}
			store := lockStore{err: c.err, calls: make(chan struct{})}
			r := &Runner{Store: store, Windows: Windows{WebhookLogRetention: 30 * Day}, Interval: time.Nanosecond, Log: slog.New(h)}
			stop := r.Start(context.Background())
			<-store.calls
			<-store.calls
			go func() {
				for range store.calls {
				}
			}()
			stop()
			close(store.calls)
			h.mu.Lock()
			first := h.got
			h.mu.Unlock()
			if c.want == nil {
				if len(first) != 0 {
					t.Errorf("logged %q at %v; want nothing at Info and above", first[0].Message, first[0].Level)
				}
				return
			}
			if len(first) == 0 || first[0].Message != c.want[0] {
				t.Fatalf("logged %v; want first %q", first, c.want)
			}
			keys := map[string]bool{}
			first[0].Attrs(func(a slog.Attr) bool { keys[a.Key] = true; return true })
			if !keys["webhook_deliveries_deleted"] || !keys["alert_incidents_anonymized"] {
				t.Errorf("the error log's attributes %v leave out the deliveries deleted or the incidents anonymized", keys)
			}
		})
	}
}

// modelRun is a fc.RetentionRun over n old FailedCheckins whose batches hold the
// writer for a time the test's model gives (hold of the batch's index and
// its records), instead of a clock: the runner's sizing is tested against
// a machine whose speed changes from batch to batch.
type modelRun struct {
	fc.PrivacyStore
	n     int64
	hold  func(batch, records int) time.Duration
	sizes []int
	held  []time.Duration
}

func (m *modelRun) TryRetentionLock(context.Context) (fc.RetentionRun, bool, error) {
	return m, true, nil
}
func (m *modelRun) Release()                                                  {}
func (m *modelRun) RetainAlerts(context.Context, time.Time, int) (int, error) { return 0, nil }

func (m *modelRun) RetainBatch(_ context.Context, b fc.RetentionBatch) (fc.RetentionProgress, error) {
	if b.Kind != fc.KindFailedCheckins {
		return fc.RetentionProgress{Done: true}, nil // no old check-ins
	}
	last := min(b.After+int64(b.Limit), m.n)
	changed := int(last - b.After)
	h := m.hold(len(m.sizes), changed)
	m.sizes, m.held = append(m.sizes, b.Limit), append(m.held, h)
	return fc.RetentionProgress{Changed: changed, Last: last, Done: last == m.n, Held: h}, nil
}

// TestBatchesAdaptToTheHold: on a machine where a record costs 20 us of
// the writer, now and then a batch meets a quiet moment (a fifth of
// that) just before a busy one (three times), and for a spell every
// batch costs four times as much, no batch holds the writer for more
// than the Bound: a lucky batch does not double the next, and a batch
// over half the Bound shrinks the next with a margin. Once the spell
// ends, batches grow back (by at most a quarter each) to the target.
// With a fixed batch size the spell's batches hold 80 ms.
func TestBatchesAdaptToTheHold(t *testing.T) {
	const perRecord = 20 * time.Microsecond
	m := &modelRun{n: 60000, hold: func(batch, records int) time.Duration {
		cost := perRecord
		switch {
		case batch >= 40 && batch < 60:
			cost *= 4
		case batch%8 == 5:
			cost /= 5
		case batch%8 == 6:
			cost *= 3
		}
		return time.Duration(records) * cost
	}}
	r := &Runner{Store: m, Windows: Windows{DeleteAfter: 30 * Day}, FirstBatch: 1000, Pause: time.Nanosecond}
	res, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Deleted != int(m.n) {
		t.Fatalf("deleted %d records; want %d", res.Deleted, m.n)
	}
	for i, h := range m.held {
		if h > Bound {
			t.Errorf("batch %d of %d records held the writer %v; want at most %v (sizes %v)", i, m.sizes[i], h, Bound, m.sizes)
		}
		if i > 0 && float64(m.sizes[i]) > math.Ceil(float64(m.sizes[i-1])*growth) {
			t.Errorf("batch %d: %d records after %d; want growth by at most a quarter", i, m.sizes[i], m.sizes[i-1])
		}
	}
	// After the spell the sizes come back to the target's 500 records.
	if len(m.sizes) < 80 || slices.Max(m.sizes[60:80]) < 500 {
		t.Errorf("sizes %v; want them back to 500 records within 20 batches of the spell", m.sizes)
	}
}
