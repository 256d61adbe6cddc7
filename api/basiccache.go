package api

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

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
