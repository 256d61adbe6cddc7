package retention

import (
	"context"
	"errors"
	"log/slog"
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
// last one's hold, never more than doubling, within [MinBatch, MaxBatch]:
// a batch whose fixed cost alone passes the target does not shrink the
// next ones to a record each.
func TestNextSize(t *testing.T) {
	r := &Runner{Target: 20 * time.Millisecond}
	for _, c := range []struct {
		size int
		held time.Duration
		want int
	}{
		{100, 40 * time.Millisecond, 50},
		{100, 10 * time.Millisecond, 200},
		{100, time.Millisecond, 200},
		{100, 0, 200},
		{4000, time.Millisecond, MaxBatch},
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
