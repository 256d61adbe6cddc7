// Package signin is the sign-in service shared by the API and the operator
// console: checking an email, password and TOTP code with throttling of
// failed sign-ins per account and per client address, issuing, refreshing
// and verifying access tokens, Basic auth (with a cache of recently
// verified credentials, so that a client sending Basic on every request
// does not pay an argon2id hash each time), and the per-user request rate
// limit.
//
// It imports only the domain; the stores it runs on (fc.UserStore,
// fc.TokenStore, fc.LoginFailureStore) are given to New. HTTP is not its
// business: the API reads credentials from headers and forms and writes
// the OAuth answers (package api), the console reads its sign-in form
// (package console); both call the same Service, so they cannot disagree
// about a password or a throttle.
package signin

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sync/singleflight"

	fc "github.com/failedcheckins/failedcheckins"
)

// Default per-user request rate: generous enough for any integration that
// pages through results, low enough to stop a runaway loop.
const (
	DefaultRateLimit = 20  // requests per second, sustained
	DefaultRateBurst = 200 // requests at once
)

// MaxCredentialLength bounds what a request may make the service hash.
const MaxCredentialLength = 4096

// Config configures a Service. The three stores are required (one
// *sqlite.DB is all three); the other fields have defaults.
type Config struct {
	Users    fc.UserStore
	Tokens   fc.TokenStore
	Failures fc.LoginFailureStore
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
	// AccessTokenLifetime is the lifetime of new access tokens; 0 means
	// fc.DefaultAccessTokenLifetime (an hour).
	AccessTokenLifetime time.Duration
	// DisableBasic refuses Basic auth, leaving bearer tokens only.
	DisableBasic bool
	// RateLimit is the sustained requests per second one user may make
	// (all their access tokens and Basic auth together), RateBurst how
	// many at once; 0 means the defaults and a negative RateLimit turns
	// the limit off.
	RateLimit float64
	RateBurst int
	// AccountPolicy and AddressPolicy throttle failed sign-ins per account
	// and per client address; nil means DefaultAccountPolicy and
	// DefaultAddressPolicy.
	AccountPolicy, AddressPolicy *fc.LoginPolicy
}

// Service signs people in and verifies their credentials. It is safe for
// concurrent use; its only state in memory is the rate limiter, the Basic
// auth cache and the password-check slots (the failure counters live in
// the database, shared by every server).
type Service struct {
	users                  fc.UserStore
	tokens                 fc.TokenStore
	failures               fc.LoginFailureStore
	now                    func() time.Time
	accessLifetime         time.Duration
	basic                  bool
	limiter                *rateLimiter
	accountPolicy, addrPol fc.LoginPolicy
	basicCache             *basicCache
	basicFlight            singleflight.Group // concurrent checks of the same Basic credentials (basicSignIn)
	// hashSlots bounds concurrent password checks: argon2id takes 19 MiB
	// and ~25 ms each, so hundreds of parallel sign-ins would exhaust
	// memory. A sign-in waits up to hashWait for a slot, then is throttled.
	hashSlots chan struct{}
	hashWait  time.Duration
}

// hashSlotsPerCPU times GOMAXPROCS password checks may run at once: enough
// to keep every core busy while a few wait on the database.
const hashSlotsPerCPU = 2

// defaultHashWait is how long a sign-in waits for a password-check slot
// before it is told to retry: a few checks' time, so a short burst passes.
const defaultHashWait = time.Second

// New returns a Service for cfg with the defaults filled in.
func New(cfg Config) *Service {
	s := &Service{users: cfg.Users, tokens: cfg.Tokens, failures: cfg.Failures, now: cfg.Now,
		accessLifetime: cfg.AccessTokenLifetime, basic: !cfg.DisableBasic,
		accountPolicy: DefaultAccountPolicy(), addrPol: DefaultAddressPolicy(), basicCache: newBasicCache(),
		hashSlots: make(chan struct{}, hashSlotsPerCPU*runtime.GOMAXPROCS(0)), hashWait: defaultHashWait}
	if s.now == nil {
		s.now = time.Now
	}
	if s.accessLifetime <= 0 {
		s.accessLifetime = fc.DefaultAccessTokenLifetime
	}
	if cfg.AccountPolicy != nil {
		s.accountPolicy = *cfg.AccountPolicy
	}
	if cfg.AddressPolicy != nil {
		s.addrPol = *cfg.AddressPolicy
	}
	rate, burst := cfg.RateLimit, cfg.RateBurst
	if rate == 0 {
		rate = DefaultRateLimit
	}
	if burst <= 0 {
		burst = DefaultRateBurst
	}
	if rate > 0 {
		s.limiter = newRateLimiter(rate, burst)
	}
	return s
}

// ErrBadCredentials is the one answer for bad credentials of any kind: it
// says nothing about which part was wrong or whether the account exists.
var ErrBadCredentials = fc.Errorf(fc.ErrUnauthorized, "The credentials are not valid.")

// DefaultAccountPolicy throttles one account: 3 free failures, then 1 s,
// 2 s, 4 s ... up to 1 minute, and a 15-minute lock from the 10th failure.
func DefaultAccountPolicy() fc.LoginPolicy {
	return fc.LoginPolicy{Free: 3, Delay: time.Second, MaxDelay: time.Minute, Lock: 10, LockFor: 15 * time.Minute, ResetAfter: time.Hour}
}

// DefaultAddressPolicy throttles one client address, more loosely since
// many people may share it (an office behind one NAT).
func DefaultAddressPolicy() fc.LoginPolicy {
	return fc.LoginPolicy{Free: 20, Delay: time.Second, MaxDelay: time.Minute, Lock: 100, LockFor: 15 * time.Minute, ResetAfter: time.Hour}
}

// accountKey and addressKey name the two failure counters of a sign-in.
// The account key is built from the name as typed (folded), whether or
// not such a user exists, so that unknown and known accounts are throttled
// alike and the answer reveals nothing.
func accountKey(email string) string { return "account:" + fc.Fold(email) }

func addressKey(addr string) string { return "address:" + addr }

// SignIn checks an email and password (and a TOTP code for users who have
// two-factor sign-in), throttled per account and per client address addr.
// A bad answer is ErrBadCredentials; a throttled one is an fc.ErrTooMany
// error whose delay RetryAfter reports.
func (s *Service) SignIn(ctx context.Context, email, password, code, addr string) (*fc.User, error) {
	// A name no account can have is refused before it reaches the store
	// or a failure counter (whose key holds it): PostgreSQL cannot
	// compare a NUL or invalid UTF-8, nor index a key of kilobytes.
	// Callers check first, to name their own field; this is the backstop.
	if fe := fc.EmailText.Check("email", email); fe != nil {
		return nil, fc.InvalidFields([]fc.FieldError{*fe})
	}
	now := s.now()
	acctKey, addrKey := accountKey(email), addressKey(addr)
	seen, err := s.checkThrottle(ctx, acctKey, addrKey, now)
	if err != nil {
		return nil, err
	}
	// The account's failure is counted before the password is hashed and
	// cleared on success, so guesses sent at once see each other.
	if err := s.pendingFailure(ctx, acctKey, seen, now); err != nil {
		return nil, err
	}
	release, err := s.acquireHashSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	u, err := s.users.FindUserByEmail(ctx, email)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		u = nil
	} else if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	// The password is checked (against a dummy hash for an unknown user)
	// before anything else, so every failure takes the same time.
	ok := fc.CheckUserPassword(u, password) && len(email) <= MaxCredentialLength
	ok = ok && u.Enabled
	if ok && u.TOTPSecret != "" {
		// A code is good once: a replayed one (seen over a shoulder, or
		// in a log) is refused like a wrong one.
		step, matched := MatchTOTP(u.TOTPSecret, code, now)
		ok = matched
		if matched {
			if ok, err = s.failures.ClaimTOTPStep(ctx, u.ID, step); err != nil {
				return nil, fmt.Errorf("sign in: %w", err)
			}
		}
	}
	if !ok {
		if _, err := s.failures.RecordLoginFailure(ctx, addrKey, now, now.Add(-s.addrPol.ResetAfter)); err != nil {
			return nil, fmt.Errorf("record failed sign-in: %w", err)
		}
		return nil, ErrBadCredentials
	}
	// Only the account's counter is cleared (with the pending failure):
	// one good password must not wipe an address's record of guessing at
	// other accounts.
	if err := s.failures.ClearLoginFailures(ctx, acctKey); err != nil {
		return nil, fmt.Errorf("clear failed sign-ins: %w", err)
	}
	return u, nil
}

// pendingFailure counts this attempt as a failure of the account before
// the password is checked, and refuses it when the failures counted before
// it (including concurrent attempts') already call for a wait. seen is the
// counter checkThrottle read: when nothing was counted since, its Last is
// the last failure; otherwise a concurrent attempt's failure, just now.
func (s *Service) pendingFailure(ctx context.Context, acctKey string, seen fc.LoginFailures, now time.Time) error {
	f, err := s.failures.RecordLoginFailure(ctx, acctKey, now, now.Add(-s.accountPolicy.ResetAfter))
	if err != nil {
		return fmt.Errorf("record sign-in attempt: %w", err)
	}
	before := fc.LoginFailures{Count: f.Count - 1, Last: now}
	if before.Count <= seen.Count {
		before.Last = seen.Last
	}
	if wait := s.accountPolicy.Wait(before, now); wait > 0 {
		return tooMany(wait, "Too many failed sign-in attempts; try again later.")
	}
	return nil
}

// acquireHashSlot waits up to hashWait (or until ctx ends) for a
// password-check slot; release gives it back.
func (s *Service) acquireHashSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-s.hashSlots }
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	default:
	}
	timer := time.NewTimer(s.hashWait)
	defer timer.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, tooMany(time.Second, "Too many sign-ins at once; try again shortly.")
	}
}

// checkThrottle refuses a sign-in while either counter says to wait.
func (s *Service) checkThrottle(ctx context.Context, acctKey, addrKey string, now time.Time) (fc.LoginFailures, error) {
	account, err := s.failures.FindLoginFailures(ctx, acctKey)
	if err != nil {
		return account, fmt.Errorf("read failed sign-ins: %w", err)
	}
	addr, err := s.failures.FindLoginFailures(ctx, addrKey)
	if err != nil {
		return account, fmt.Errorf("read failed sign-ins: %w", err)
	}
	wait := max(s.accountPolicy.Wait(account, now), s.addrPol.Wait(addr, now))
	if wait > 0 {
		return account, tooMany(wait, "Too many failed sign-in attempts; try again later.")
	}
	return account, nil
}

// userBucket is the rate-limit key of a user, whatever the credentials.
func userBucket(u *fc.User) string { return "user:" + strconv.FormatInt(u.ID, 10) }

// throttled is an fc.ErrTooMany error that knows how long the client
// should wait; RetryAfter reads it.
type throttled struct {
	err  *fc.Error
	wait time.Duration
}

func tooMany(wait time.Duration, msg string) *throttled {
	return &throttled{err: fc.Errorf(fc.ErrTooMany, "%s", msg), wait: wait}
}

func (e *throttled) Error() string { return e.err.Error() }
func (e *throttled) Unwrap() error { return e.err }

// RetryAfter returns how long the client of a throttled sign-in or
// rate-limited request should wait; ok is false when err carries no delay.
func RetryAfter(err error) (wait time.Duration, ok bool) {
	var t *throttled
	if !errors.As(err, &t) {
		return 0, false
	}
	return t.wait, true
}
