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
	// ClaimTOTPStep atomically records step (MatchTOTP) as the last
	// two-factor step the user signed in with and returns true, unless
	// that step or a later one was claimed before (by any server on the
	// database): a replayed code, or an older one, is then refused.
	ClaimTOTPStep(ctx context.Context, userID, step int64) (bool, error)
}

// AccountKey and AddressKey name the two counters of a sign-in. The account
// key is built from the name as typed (folded), whether or not such a user
// exists, so that unknown and known accounts are throttled alike and the
// answer reveals nothing.
func AccountKey(email string) string { return "account:" + Fold(email) }

// AddressKey names the counter of a client address.
func AddressKey(addr string) string { return "address:" + addr }

// LoginPolicy says how repeated failures slow down and then lock sign-ins.
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

// DefaultAccountPolicy throttles one account: 3 free failures, then 1 s,
// 2 s, 4 s ... up to 1 minute, and a 15-minute lock from the 10th failure.
func DefaultAccountPolicy() LoginPolicy {
	return LoginPolicy{Free: 3, Delay: time.Second, MaxDelay: time.Minute, Lock: 10, LockFor: 15 * time.Minute, ResetAfter: time.Hour}
}

// DefaultAddressPolicy throttles one client address, more loosely since
// many people may share it (an office behind one NAT).
func DefaultAddressPolicy() LoginPolicy {
	return LoginPolicy{Free: 20, Delay: time.Second, MaxDelay: time.Minute, Lock: 100, LockFor: 15 * time.Minute, ResetAfter: time.Hour}
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
