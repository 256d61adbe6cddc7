package signin

import (
	"math"
	"sync"
	"time"
)

// rateLimiter is a token bucket per key (an access token's hash, or a user
// for Basic auth). It lives in the memory of one server: with several
// servers on one database each allows the full rate, which is acceptable
// for a limit that exists to stop a runaway client, not to bill it. Time is
// passed in, so tests drive it with a fake clock instead of sleeping.
type rateLimiter struct {
	rate    float64 // tokens added per second
	burst   float64 // bucket size
	maxKeys int     // bound on memory: idle buckets are dropped beyond it

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond float64, burst int) *rateLimiter {
	return &rateLimiter{rate: perSecond, burst: float64(max(burst, 1)), maxKeys: 10000, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket at now. It returns zero when the
// request may go ahead and otherwise how long until a token is available.
func (l *rateLimiter) allow(key string, now time.Time) time.Duration {
	if l == nil || l.rate <= 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxKeys {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration(math.Ceil((1 - b.tokens) / l.rate * float64(time.Second)))
}

// evict drops the buckets that have refilled completely (forgetting them
// changes nothing) and, if that is not enough, half of the rest.
func (l *rateLimiter) evict(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < l.maxKeys/2 {
			break
		}
		delete(l.buckets, k)
	}
}
