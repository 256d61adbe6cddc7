package failedcheckins

import (
	"context"
	"time"
)

// LoginFailures counts the recent failed sign-ins of one key (an account or
// a client address).
type LoginFailures struct {
	Count int
	Last  time.Time
}

// LoginFailureStore keeps the failed sign-in counters in the database, so
// that several API servers on one database share them.
type LoginFailureStore interface {
	// RecordLoginFailure atomically counts one failure of key at now and
	// returns the new counters. A counter whose last failure is before
	// resetBefore starts again from one.
	RecordLoginFailure(ctx context.Context, key string, now, resetBefore time.Time) (LoginFailures, error)
	// FindLoginFailures returns the counters of key (zero when it has none).
	FindLoginFailures(ctx context.Context, key string) (LoginFailures, error)
	// ClearLoginFailures forgets the failures of key.
	ClearLoginFailures(ctx context.Context, key string) error
	// ClaimTOTPStep atomically records step (signin.MatchTOTP) as the last
	// two-factor step the user signed in with and returns true, unless
	// that step or a later one was claimed before (by any server on the
	// database): a replayed code, or an older one, is then refused.
	ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error)
}

// LoginPolicy says how repeated failures slow down and then lock sign-ins
// (package signin holds the defaults and applies them).
// After Free failures each attempt must wait Delay, doubling with every
// further failure up to MaxDelay; from Lock failures on, sign-ins wait
// LockFor after the last failure. Counters older than ResetAfter start again.
type LoginPolicy struct {
	Free       int
	Delay      time.Duration
	MaxDelay   time.Duration
	Lock       int
	LockFor    time.Duration
	ResetAfter time.Duration
}

// Wait returns how long a new sign-in attempt must wait, given the
// counters, at now; zero means it may go ahead.
func (p LoginPolicy) Wait(f LoginFailures, now time.Time) time.Duration {
	if f.Count == 0 || now.Sub(f.Last) >= p.ResetAfter {
		return 0
	}
	var hold time.Duration
	switch {
	case p.Lock > 0 && f.Count >= p.Lock:
		hold = p.LockFor
	case f.Count >= p.Free:
		hold = p.Delay
		for i := p.Free; i < f.Count && hold < p.MaxDelay; i++ {
			hold *= 2
		}
		hold = min(hold, p.MaxDelay)
	default:
		return 0
	}
	return max(f.Last.Add(hold).Sub(now), 0)
}
