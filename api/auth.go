package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Default per-user request rate: generous enough for any integration that
// pages through results, low enough to stop a runaway loop.
const (
	DefaultRateLimit = 20  // requests per second, sustained
	DefaultRateBurst = 200 // requests at once
)

// AuthConfig configures Auth. The three stores are required (one *sqlite.DB
// is all three); the other fields have defaults.
type AuthConfig struct {
	Users    fc.UserStore
	Tokens   fc.TokenStore
	Failures fc.LoginFailureStore
	// Now is the clock; nil means time.Now. Tests inject a fake one.
	Now func() time.Time
	// AccessTokenLifetime is the "expires_in" of new access tokens; 0 means
	// fc.DefaultAccessTokenLifetime (an hour).
	AccessTokenLifetime time.Duration
	// DisableBasic refuses Authorization: Basic, leaving bearer tokens only.
	DisableBasic bool
	// RateLimit is the sustained requests per second one user may make
	// (all their access tokens and Basic auth together), RateBurst how many at once; 0 means the
	// defaults and a negative RateLimit turns the limit off.
	RateLimit float64
	RateBurst int
	// AccountPolicy and AddressPolicy throttle failed sign-ins per account
	// and per client address; nil means the fc defaults.
	AccountPolicy, AddressPolicy *fc.LoginPolicy
	// Logger receives internal errors of the token endpoint; nil discards.
	Logger *slog.Logger
}

// Auth authenticates API requests (bearer tokens and Basic auth) and serves
// the token endpoint, POST /api/token (API.md section 5).
type Auth struct {
	users                  fc.UserStore
	tokens                 fc.TokenStore
	failures               fc.LoginFailureStore
	now                    func() time.Time
	accessLifetime         time.Duration
	basic                  bool
	limiter                *rateLimiter
	accountPolicy, addrPol fc.LoginPolicy
	log                    *slog.Logger
	basicCache             *basicCache
	// hashSlots bounds concurrent password checks: argon2id takes 19 MiB
	// and ~25 ms each, so hundreds of parallel sign-ins would exhaust
	// memory. A sign-in waits up to hashWait for a slot, then gets a 429.
	hashSlots chan struct{}
	hashWait  time.Duration
}

// hashSlotsPerCPU times GOMAXPROCS password checks may run at once: enough
// to keep every core busy while a few wait on the database.
const hashSlotsPerCPU = 2

// defaultHashWait is how long a sign-in waits for a password-check slot
// before it is told to retry: a few checks' time, so a short burst passes.
const defaultHashWait = time.Second

// NewAuth returns an Auth for cfg with the defaults filled in.
func NewAuth(cfg AuthConfig) *Auth {
	a := &Auth{users: cfg.Users, tokens: cfg.Tokens, failures: cfg.Failures, now: cfg.Now,
		accessLifetime: cfg.AccessTokenLifetime, basic: !cfg.DisableBasic, log: cfg.Logger,
		accountPolicy: fc.DefaultAccountPolicy(), addrPol: fc.DefaultAddressPolicy(), basicCache: newBasicCache(),
		hashSlots: make(chan struct{}, hashSlotsPerCPU*runtime.GOMAXPROCS(0)), hashWait: defaultHashWait}
	if a.now == nil {
		a.now = time.Now
	}
	if a.accessLifetime <= 0 {
		a.accessLifetime = fc.DefaultAccessTokenLifetime
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if cfg.AccountPolicy != nil {
		a.accountPolicy = *cfg.AccountPolicy
	}
	if cfg.AddressPolicy != nil {
		a.addrPol = *cfg.AddressPolicy
	}
	rate, burst := cfg.RateLimit, cfg.RateBurst
	if rate == 0 {
		rate = DefaultRateLimit
	}
	if burst <= 0 {
		burst = DefaultRateBurst
	}
	if rate > 0 {
		a.limiter = newRateLimiter(rate, burst)
	}
	return a
}

// TokenPath is the path of the token endpoint.
const TokenPath = "/api/token"

// maxCredentialLength bounds what a request may make us hash.
const maxCredentialLength = 4096

// Authenticate implements Authenticator. It checks on every request that
// the user is still enabled, so disabling a user stops their tokens at once.
func (a *Auth) Authenticate(r *http.Request) (*fc.Caller, error) {
	header := r.Header.Get("Authorization")
	// The token endpoint authenticates by its form; OAuth clients may send
	// their client id there as Basic credentials, which are not a user's.
	if header == "" || r.URL.Path == TokenPath {
		return nil, nil
	}
	if len(header) > maxCredentialLength {
		return nil, errBadCredentials
	}
	scheme, value, _ := strings.Cut(header, " ")
	value = strings.TrimSpace(value)
	switch {
	case strings.EqualFold(scheme, "Bearer") && value != "":
		return a.bearer(r.Context(), value)
	case strings.EqualFold(scheme, "Basic") && a.basic:
		email, password, ok := r.BasicAuth()
		if !ok {
			return nil, errBadCredentials
		}
		return a.basicAuth(r.Context(), email, password, clientAddress(r))
	}
	return nil, errBadCredentials
}

var errBadCredentials = fc.Errorf(fc.ErrUnauthorized, "The credentials are not valid.")

func (a *Auth) bearer(ctx context.Context, token string) (*fc.Caller, error) {
	now := a.now()
	hash := fc.HashToken(token)
	u, err := a.tokens.FindUserByAccessToken(ctx, hash, now)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, errBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate bearer token: %w", err)
	}
	if !u.Enabled {
		return nil, errBadCredentials
	}
	// The bucket is the user's, not the token's: getting a new token must
	// not reset the limit. Basic auth shares the same bucket.
	if wait := a.limiter.allow(userBucket(u), now); wait > 0 {
		return nil, tooMany(wait, "Too many requests for this user.")
	}
	return u.Caller(), nil
}

func (a *Auth) basicAuth(ctx context.Context, email, password, addr string) (*fc.Caller, error) {
	u, err := a.cachedBasic(ctx, email, password)
	if err != nil {
		return nil, err
	}
	if u == nil {
		if u, err = a.signIn(ctx, email, password, "", addr); err != nil {
			return nil, err
		}
		a.basicCache.remember(u, email, password, a.now())
	}
	if wait := a.limiter.allow(userBucket(u), a.now()); wait > 0 {
		return nil, tooMany(wait, "Too many requests for this user.")
	}
	return u.Caller(), nil
}

// userBucket is the rate-limit key of a user, whatever the credentials.
func userBucket(u *fc.User) string { return "user:" + strconv.FormatInt(u.ID, 10) }

// cachedBasic returns the user if these Basic credentials were verified
// recently against the user's current password, and nil otherwise. Users
// with two-factor sign-in cannot use Basic auth, which has no code field.
func (a *Auth) cachedBasic(ctx context.Context, email, password string) (*fc.User, error) {
	u, err := a.users.FindUserByEmail(ctx, email)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("basic auth: %w", err)
	}
	if u.Enabled && u.TOTPSecret == "" && a.basicCache.verified(u, email, password, a.now()) {
		return u, nil
	}
	return nil, nil
}

// signIn checks an email and password (and a TOTP code for users who have
// two-factor sign-in), throttled per account and per client address. A bad
// answer is an ErrUnauthorized error that says nothing about which part was
// wrong or whether the account exists; a throttled one is ErrTooMany.
func (a *Auth) signIn(ctx context.Context, email, password, code, addr string) (*fc.User, error) {
	now := a.now()
	accountKey, addrKey := fc.AccountKey(email), fc.AddressKey(addr)
	seen, err := a.checkThrottle(ctx, accountKey, addrKey, now)
	if err != nil {
		return nil, err
	}
	// The account's failure is counted before the password is hashed and
	// cleared on success, so guesses sent at once see each other.
	if err := a.pendingFailure(ctx, accountKey, seen, now); err != nil {
		return nil, err
	}
	release, err := a.acquireHashSlot(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	u, err := a.users.FindUserByEmail(ctx, email)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		u = nil
	} else if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	// The password is checked (against a dummy hash for an unknown user)
	// before anything else, so every failure takes the same time.
	ok := fc.CheckUserPassword(u, password) && len(email) <= maxCredentialLength
	ok = ok && u.Enabled
	if ok && u.TOTPSecret != "" {
		// A code is good once: a replayed one (seen over a shoulder, or
		// in a log) is refused like a wrong one.
		step, matched := fc.MatchTOTP(u.TOTPSecret, code, now)
		ok = matched
		if matched {
			if ok, err = a.failures.ClaimTOTPStep(ctx, u.ID, step); err != nil {
				return nil, fmt.Errorf("sign in: %w", err)
			}
		}
	}
	if !ok {
		if _, err := a.failures.RecordLoginFailure(ctx, addrKey, now, now.Add(-a.addrPol.ResetAfter)); err != nil {
			return nil, fmt.Errorf("record failed sign-in: %w", err)
		}
		return nil, errBadCredentials
	}
	// Only the account's counter is cleared (with the pending failure):
	// one good password must not wipe an address's record of guessing at
	// other accounts.
	if err := a.failures.ClearLoginFailures(ctx, accountKey); err != nil {
		return nil, fmt.Errorf("clear failed sign-ins: %w", err)
	}
	return u, nil
}

// pendingFailure counts this attempt as a failure of the account before
// the password is checked, and refuses it when the failures counted before
// it (including concurrent attempts') already call for a wait. seen is the
// counter checkThrottle read: when nothing was counted since, its Last is
// the last failure; otherwise a concurrent attempt's failure, just now.
func (a *Auth) pendingFailure(ctx context.Context, accountKey string, seen fc.LoginFailures, now time.Time) error {
	f, err := a.failures.RecordLoginFailure(ctx, accountKey, now, now.Add(-a.accountPolicy.ResetAfter))
	if err != nil {
		return fmt.Errorf("record sign-in attempt: %w", err)
	}
	before := fc.LoginFailures{Count: f.Count - 1, Last: now}
	if before.Count <= seen.Count {
		before.Last = seen.Last
	}
	if wait := a.accountPolicy.Wait(before, now); wait > 0 {
		return tooMany(wait, "Too many failed sign-in attempts; try again later.")
	}
	return nil
}

// acquireHashSlot waits up to hashWait (or until ctx ends) for a
// password-check slot; release gives it back.
func (a *Auth) acquireHashSlot(ctx context.Context) (release func(), err error) {
	release = func() { <-a.hashSlots }
	select {
	case a.hashSlots <- struct{}{}:
		return release, nil
	default:
	}
	timer := time.NewTimer(a.hashWait)
	defer timer.Stop()
	select {
	case a.hashSlots <- struct{}{}:
		return release, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-timer.C:
		return nil, tooMany(time.Second, "Too many sign-ins at once; try again shortly.")
	}
}

// checkThrottle refuses a sign-in while either counter says to wait.
func (a *Auth) checkThrottle(ctx context.Context, accountKey, addrKey string, now time.Time) (fc.LoginFailures, error) {
	account, err := a.failures.FindLoginFailures(ctx, accountKey)
	if err != nil {
		return account, fmt.Errorf("read failed sign-ins: %w", err)
	}
	addr, err := a.failures.FindLoginFailures(ctx, addrKey)
	if err != nil {
		return account, fmt.Errorf("read failed sign-ins: %w", err)
	}
	wait := max(a.accountPolicy.Wait(account, now), a.addrPol.Wait(addr, now))
	if wait > 0 {
		return account, tooMany(wait, "Too many failed sign-in attempts; try again later.")
	}
	return account, nil
}

// clientAddress is the address the request came from: the TCP peer, or
// the client a trusted reverse proxy forwarded for (serve
// --trusted-proxies rewrites RemoteAddr, package proxyaddr). The
// X-Forwarded-For header itself is never read here: a client could forge it
// to escape the throttle.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// retryError is an ErrTooMany error that knows how long the client should
// wait; writeError sends it as Retry-After.
type retryError struct {
	err  *fc.Error
	wait time.Duration
}

func tooMany(wait time.Duration, msg string) *retryError {
	return &retryError{err: fc.Errorf(fc.ErrTooMany, "%s", msg), wait: wait}
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryAfter returns the Retry-After value for err: whole seconds, rounded
// up, at least 1; ok is false when err carries no delay.
func retryAfter(err error) (value string, ok bool) {
	var re *retryError
	if !errors.As(err, &re) {
		return "", false
	}
	return strconv.Itoa(max(1, int(math.Ceil(re.wait.Seconds())))), true
}
