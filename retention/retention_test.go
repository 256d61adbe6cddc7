package retention

import (
	"testing"
	"time"
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
