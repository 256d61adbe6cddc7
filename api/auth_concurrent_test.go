package api

import (
	"net/url"
	"sync"
	"testing"

	"github.com/failedcheckins/failedcheckins/signin"
)

// TestConcurrentGuessesSeeEachOther: wrong passwords sent to one account at
// once are throttled as if sent one after another. Each guess counts its
// failure before the password is hashed, so only the policy's free
// failures (3 by default) get as far as the password check.
func TestConcurrentGuessesSeeEachOther(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
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
