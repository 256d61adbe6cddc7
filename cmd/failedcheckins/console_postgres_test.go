package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os/exec"
	"regexp"
	"testing"

	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
)

var consoleCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// TestConsoleTwoServersOnePostgres: serve mounts the console on
// PostgreSQL, and its sessions live in the database: signed in on A, the
// browser is signed in on B (a cookie jar ignores ports, as a browser
// does), and signing out on B ends the session on A.
func TestConsoleTwoServersOnePostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	bin := buildBinary(t)
	for _, args := range [][]string{
		{"migrate", "--db", dsn},
		{"users", "add", "--db", dsn, "--email", "admin@example.com", "--password", "pw-admin", "--admin"},
	} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", args[0], err, out)
		}
	}
	a, b := startServe(t, bin, dsn), startServe(t, bin, dsn)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	list := "/console/failedcheckins"
	if code, _ := consoleGet(t, c, b+list); code != http.StatusSeeOther {
		t.Fatalf("GET %s on B before sign-in = %d; want 303 to the sign-in page", list, code)
	}
	_, page := consoleGet(t, c, a+"/console/signin")
	if code := consolePost(t, c, a+"/console/signin", url.Values{"email": {"admin@example.com"}, "password": {"pw-admin"}, "csrf": {csrfIn(t, page)}}); code != http.StatusSeeOther {
		t.Fatalf("POST /console/signin on A = %d; want 303", code)
	}
	code, page := consoleGet(t, c, b+list)
	if code != http.StatusOK {
		t.Fatalf("GET %s on B with A's session = %d; want 200", list, code)
	}
	if code := consolePost(t, c, b+"/console/signout", url.Values{"csrf": {csrfIn(t, page)}}); code != http.StatusSeeOther {
		t.Fatalf("POST /console/signout on B = %d; want 303", code)
	}
	if code, _ := consoleGet(t, c, a+list); code != http.StatusSeeOther {
		t.Errorf("GET %s on A after signing out on B = %d; want 303 (the session is gone)", list, code)
	}
}

func consoleGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func consolePost(t *testing.T, c *http.Client, u string, form url.Values) int {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func csrfIn(t *testing.T, page string) string {
	t.Helper()
	m := consoleCSRF.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no csrf field in the page:\n%.300s", page)
	}
	return m[1]
}
