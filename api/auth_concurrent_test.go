package api

import (
	"net/url"
	"sync"
	"testing"
)

// TestConcurrentGuessesSeeEachOther: wrong passwords sent to one account at
// once are throttled as if sent one after another. Each guess counts its
// failure before the password is hashed, so only the policy's free
// failures (3 by default) get as far as the password check.
func TestConcurrentGuessesSeeEachOther(t *testing.T) {
	e := newAuthEnv(t, AuthConfig{})
	e.addUser("ana@example.com", false, nil)
	const n = 8
	codes := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			codes[i] = e.postToken(url.Values{"grant_type": {"password"}, "username": {"ana@example.com"}, "password": {"guess"}}, nil).Code
		})
	}
	close(start)
	wg.Wait()
	refused, throttled := 0, 0
	for _, c := range codes {
		switch c {
		case 400:
			refused++
		case 429:
			throttled++
		}
	}
	if refused != 3 || throttled != n-3 {
		t.Errorf("%d concurrent wrong passwords = %v; want 3 refused (400) and %d throttled (429)", n, codes, n-3)
	}
}

// TestPasswordChecksAreBounded: when every password-check slot is taken,
// a sign-in waits at most briefly and then gets a 429 with Retry-After
// instead of allocating another argon2 buffer.
func TestPasswordChecksAreBounded(t *testing.T) {
	e := newAuthEnv(t, AuthConfig{})
	e.addUser("ana@example.com", false, nil)
	e.auth.hashWait = 0
	for range cap(e.auth.hashSlots) {
		e.auth.hashSlots <- struct{}{}
	}
	form := url.Values{"grant_type": {"password"}, "username": {"ana@example.com"}, "password": {"pw-ana@example.com"}}
	if w := e.postToken(form, nil); w.Code != 429 || w.Header().Get("Retry-After") != "1" {
		t.Errorf("sign-in with every slot taken = %d Retry-After %q; want 429 and 1", w.Code, w.Header().Get("Retry-After"))
	}
	<-e.auth.hashSlots
	if w := e.postToken(form, nil); w.Code != 200 {
		t.Errorf("sign-in with a free slot = %d %s; want 200", w.Code, w.Body)
	}
}
