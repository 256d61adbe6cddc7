package console_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/console"
)

// TestConsoleBehindTheSharedMiddleware: the real console, mounted on the
// server as serve mounts it, answers with a request id and the common
// security headers plus its own Content-Security-Policy and referrer
// policy, lets its assets be cached, and is counted in /metrics.
func TestConsoleBehindTheSharedMiddleware(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	for path, cache := range map[string]string{"/console/signin": "no-store", "/console/assets/console.css": "public, max-age=3600"} {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		h := resp.Header
		if resp.StatusCode != 200 || len(h.Get("X-Request-Id")) != 32 {
			t.Errorf("GET %s = %d X-Request-Id %q; want 200 with a 32-digit id", path, resp.StatusCode, h.Get("X-Request-Id"))
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Referrer-Policy": "same-origin", "Cache-Control": cache} {
			if got := h.Get(k); got != v {
				t.Errorf("GET %s: %s = %q; want %q", path, k, got, v)
			}
		}
		if !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
			t.Errorf("GET %s: Content-Security-Policy = %q; want the console's", path, h.Get("Content-Security-Policy"))
		}
	}
	code, metrics := get(t, c, e.srv.URL+"/metrics") // from loopback: allowed without credentials
	if want := `failedcheckins_http_requests_total{code="200",route="GET /console/signin"} 1`; code != 200 || !strings.Contains(metrics, want) {
		t.Errorf("GET /metrics = %d; want the line %s in:\n%.2000s", code, want, metrics)
	}
}

// TestConsoleSignInBodyLimit: a sign-in form padded past the console's
// body limit is not read (no session starts), while the same form under
// the limit signs in: the limit applies to console POSTs.
func TestConsoleSignInBodyLimit(t *testing.T) {
	e := newEnv(t)
	post := func(pad int) int {
		c := e.client(t)
		_, page := get(t, c, e.srv.URL+"/console/signin")
		form := url.Values{"email": {"admin@example.com"}, "password": {password}, "csrf": {csrfOf(t, page)}, "pad": {strings.Repeat("a", pad)}}
		resp, err := c.PostForm(e.srv.URL+"/console/signin", form)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post(1 << 10); code != http.StatusSeeOther {
		t.Fatalf("sign-in with 1 KiB of padding = %d; want 303", code)
	}
	if code := post(100 << 10); code == http.StatusSeeOther {
		t.Errorf("sign-in with 100 KiB of padding = %d; want it refused (the console's limit is 64 KiB)", code)
	}
}

// TestMountedAtPath: the server mounts the console where its cookies and
// redirects expect it.
func TestMountedAtPath(t *testing.T) {
	if api.ConsolePath != console.Path {
		t.Errorf("api.ConsolePath = %q, console.Path = %q; want the same", api.ConsolePath, console.Path)
	}
}
