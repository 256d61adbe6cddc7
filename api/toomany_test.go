package api

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// waitSentence is how Nexudus clients read a 429's delay (API.md section 6).
var waitSentence = regexp.MustCompile(`Wait (\d+) seconds\.$`)

// checkWaitMessage asserts that a 429's Message ends in "Wait N seconds."
// with N equal to its Retry-After header.
func checkWaitMessage(t *testing.T, what string, code int, retryAfter string, body []byte) {
	t.Helper()
	var e errorJSON
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s = %d: body %.200q is not the error JSON: %v", what, code, body, err)
	}
	m := waitSentence.FindStringSubmatch(e.Message)
	if code != 429 || m == nil || m[1] != retryAfter || e.Status != 429 {
		t.Errorf("%s = %d Retry-After %q Message %q; want a 429 whose Message ends in \"Wait %s seconds.\"",
			what, code, retryAfter, e.Message, retryAfter)
	}
}

// TestTooManyMessageSaysWait: every 429 of the API (rate limit, throttled
// Basic sign-in, export slots) ends its Message in "Wait N seconds." with
// the Retry-After value.
func TestTooManyMessageSaysWait(t *testing.T) {
	e := newAuthEnv(t, signin.Config{RateLimit: 2, RateBurst: 1})
	e.addUser("ana@example.com", true, nil)
	a := "Bearer " + e.login("ana@example.com").AccessToken
	e.get("/api/spaces/failedcheckins/1", a)
	w := e.get("/api/spaces/failedcheckins/1", a)
	checkWaitMessage(t, "request past the burst", w.Code, w.Header().Get("Retry-After"), w.Body.Bytes())

	account := fc.LoginPolicy{Free: 1, Delay: time.Minute, MaxDelay: time.Minute, Lock: 100, LockFor: time.Hour, ResetAfter: time.Hour}
	b := newAuthEnv(t, signin.Config{AccountPolicy: &account})
	b.addUser("ana@example.com", true, nil)
	b.get("/api/spaces/failedcheckins/1", basic("ana@example.com", "wrong"))
	w = b.get("/api/spaces/failedcheckins/1", basic("ana@example.com", "pw-ana@example.com"))
	checkWaitMessage(t, "Basic while throttled", w.Code, w.Header().Get("Retry-After"), w.Body.Bytes())
}

func TestWaitMessage(t *testing.T) {
	for _, tt := range []struct{ msg, want string }{
		{"Too many requests for this user.", "Too many requests for this user. Wait 7 seconds."},
		{"2 exports are already running", "2 exports are already running. Wait 7 seconds."},
		{"", "Wait 7 seconds."},
	} {
		if got := waitMessage(tt.msg, "7"); got != tt.want {
			t.Errorf("waitMessage(%q, 7) = %q; want %q", tt.msg, got, tt.want)
		}
	}
}
