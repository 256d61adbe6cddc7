package signin

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimiterEvictsIdleBuckets(t *testing.T) {
	l := newRateLimiter(1, 1)
	l.maxKeys = 4
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 10 {
		l.allow(fmt.Sprint(i), t0.Add(time.Duration(i)*time.Second))
	}
	if n := len(l.buckets); n > 4 {
		t.Errorf("buckets = %d; want at most maxKeys 4", n)
	}
	if wait := l.allow("9", t0.Add(9*time.Second)); wait != time.Second {
		t.Errorf("allow(recent key) wait = %v; want 1s (its bucket was kept)", wait)
	}
}
