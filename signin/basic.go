package signin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// Basic returns the caller of Basic credentials from client address addr:
// a sign-in (throttled like any other) unless the same credentials were
// verified recently, and the user's rate limit. With Config.DisableBasic
// every Basic credential is ErrBadCredentials.
func (s *Service) Basic(ctx context.Context, email, password, addr string) (*fc.Caller, error) {
	return s.basicAuth(ctx, email, password, addr, true)
}

// RecheckBasic is Basic for credentials already accepted, checked again
// while a long request (a live stream) runs: the user must still exist,
// be enabled and have this password (the cache of verified credentials
// spares the hash), and the caller is read afresh, but the check does not
// count against the user's rate limit.
func (s *Service) RecheckBasic(ctx context.Context, email, password, addr string) (*fc.Caller, error) {
	return s.basicAuth(ctx, email, password, addr, false)
}

func (s *Service) basicAuth(ctx context.Context, email, password, addr string, limit bool) (*fc.Caller, error) {
	if !s.basic {
		return nil, ErrBadCredentials
	}
	if fe := fc.EmailText.Check("email", email); fe != nil {
		return nil, fc.InvalidFields([]fc.FieldError{*fe}) // before the store sees it (SignIn's backstop)
	}
	u, err := s.cachedBasic(ctx, email, password)
	if err != nil {
		return nil, err
	}
	if u == nil {
		if u, err = s.basicSignIn(ctx, email, password, addr); err != nil {
			return nil, err
		}
	}
	if !limit {
		return u.Caller(), nil
	}
	if wait := s.limiter.allow(userBucket(u), s.now()); wait > 0 {
		return nil, tooMany(wait, "Too many requests for this user.")
	}
	return u.Caller(), nil
}

// basicSignIn verifies Basic credentials not in the cache: a sign-in, the
// one argon2id hash, shared by every request that brings the same
// credentials from the same address while it runs. An integration that
// starts 16 workers with one Basic credential would otherwise queue 16
// hashes for the few password-check slots, and the later ones would be
// throttled (429) for a password that is right. The sign-in's answer, a
// failure included, is the answer of each request that shared it; the
// cache is filled before the flight ends, so a request arriving just after
// finds it there.
func (s *Service) basicSignIn(ctx context.Context, email, password, addr string) (*fc.User, error) {
	id := s.basicCache.id(email, password)
	v, err, _ := s.basicFlight.Do(string(id[:])+"\x00"+addr, func() (any, error) {
		// The first request's context runs the sign-in for all: a client
		// that goes away must not fail the others, so it is detached.
		u, err := s.SignIn(context.WithoutCancel(ctx), email, password, "", addr)
		if err != nil {
			return nil, err
		}
		s.basicCache.remember(u, email, password, s.now())
		return u, nil
	})
	if err != nil {
		return nil, err
	}
	u := *v.(*fc.User) // each request its own copy: callers may change theirs
	return &u, nil
}

// BasicEnabled reports whether Basic auth is accepted at all.
func (s *Service) BasicEnabled() bool { return s.basic }

// cachedBasic returns the user if these Basic credentials were verified
// recently against the user's current password, and nil otherwise. Users
// with two-factor sign-in cannot use Basic auth, which has no code field.
func (s *Service) cachedBasic(ctx context.Context, email, password string) (*fc.User, error) {
	u, err := s.users.FindUserByEmail(ctx, email)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("basic auth: %w", err)
	}
	if u.Enabled && u.TOTPSecret == "" && s.basicCache.verified(u, email, password, s.now()) {
		return u, nil
	}
	return nil, nil
}

// basicCache remembers recently verified Basic credentials, so that a
// client sending Basic auth on every request does not cost an argon2id hash
// (about 25 ms and 20 MB) each time. Entries are keyed by an HMAC under a
// per-process random key, so the map holds nothing a password can be read
// or cheaply guessed from. A hit is only trusted while the user's stored
// password hash is unchanged; enabled is checked by the caller every time.
type basicCache struct {
	key []byte
	ttl time.Duration
	max int

	mu      sync.Mutex
	entries map[[32]byte]basicEntry
}

type basicEntry struct {
	passwordHash string
	expires      time.Time
}

func newBasicCache() *basicCache {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &basicCache{key: key, ttl: 5 * time.Minute, max: 4096, entries: map[[32]byte]basicEntry{}}
}

func (c *basicCache) id(email, password string) [32]byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(fc.Fold(email)))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var id [32]byte
	copy(id[:], m.Sum(nil))
	return id
}

// verified reports whether email and password were verified for u's current
// password hash less than ttl ago.
func (c *basicCache) verified(u *fc.User, email, password string, now time.Time) bool {
	id := c.id(email, password)
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	return ok && now.Before(e.expires) && e.passwordHash == u.PasswordHash
}

// remember records a successful verification.
func (c *basicCache) remember(u *fc.User, email, password string, now time.Time) {
	id := c.id(email, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		clear(c.entries) // rare; the cost is one argon2id hash per active client
	}
	c.entries[id] = basicEntry{passwordHash: u.PasswordHash, expires: now.Add(c.ttl)}
}
