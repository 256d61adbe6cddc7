package console_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/csvrecord"
)

// TestSignOutNeedsCSRF: the session cookie alone changes nothing; the
// form's token does, and another site's POST is refused outright.
func TestSignOutNeedsCSRF(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	list := e.srv.URL + "/console/failedcheckins"
	_, page := get(t, c, list)
	token := csrfOf(t, page)

	for _, form := range []url.Values{{}, {"csrf": {"forged"}}, {"csrf": {token + "x"}}} {
		resp, err := c.PostForm(e.srv.URL+"/console/signout", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /console/signout with cookie and csrf=%q = %d; want 403", form.Get("csrf"), resp.StatusCode)
		}
	}
	if code, _ := get(t, c, list); code != http.StatusOK {
		t.Fatalf("after refused sign-outs GET list = %d; want 200 (the session must survive)", code)
	}

	req, _ := http.NewRequest("POST", e.srv.URL+"/console/signout", strings.NewReader(url.Values{"csrf": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /console/signout = %d; want 403", resp.StatusCode)
	}

	resp, err = c.PostForm(e.srv.URL+"/console/signout", url.Values{"csrf": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /console/signout with the token = %d; want 303", resp.StatusCode)
	}
	if code, _ := get(t, c, list); code != http.StatusSeeOther {
		t.Errorf("after sign-out GET list = %d; want 303 to the sign-in page", code)
	}
}

// TestSignInFailures: a wrong password and a missing login-CSRF value are
// refused, and the session cookie carries the safe attributes.
func TestSignInFailures(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	_, page := get(t, c, e.srv.URL+"/console/signin")
	resp, err := c.PostForm(e.srv.URL+"/console/signin", url.Values{"email": {"admin@example.com"}, "password": {"wrong"}, "csrf": {csrfOf(t, page)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("sign-in with a wrong password = %d; want 401", resp.StatusCode)
	}
	resp, err = e.client(t).PostForm(e.srv.URL+"/console/signin", url.Values{"email": {"admin@example.com"}, "password": {password}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-in without the form's token = %d; want 403", resp.StatusCode)
	}
	_, page = get(t, c, e.srv.URL+"/console/signin")
	resp, err = c.PostForm(e.srv.URL+"/console/signin", url.Values{"email": {"admin@example.com"}, "password": {password}, "csrf": {csrfOf(t, page)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var cookie string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "fc_console=") {
			cookie = h
		}
	}
	for _, attr := range []string{"HttpOnly", "SameSite=Strict", "Path=/console/"} {
		if !strings.Contains(cookie, attr) {
			t.Errorf("session cookie %q lacks %s", cookie, attr)
		}
	}
}

// TestScopedUserSeesOnlyTheirLocation checks every surface, console and
// API, for a manager bound to one location asking for another.
func TestScopedUserSeesOnlyTheirLocation(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "manager@example.com")
	other := strconv.FormatInt(e.otherLoc, 10)
	for _, path := range []string{
		"/console/failedcheckins",
		"/console/failedcheckins?FailedCheckin_Business=" + other,
		"/console/failedcheckins?size=100&orderBy=BusinessName",
	} {
		code, body := get(t, c, e.srv.URL+path)
		if code != http.StatusOK || strings.Contains(body, e.otherName) || strings.Contains(body, "("+other+")") {
			t.Errorf("GET %s as manager = %d, mentions location %d (%q): %t; want 200 without it", path, code, e.otherLoc, e.otherName, code == 200)
		}
	}
	for _, r := range e.records {
		if r.BusinessID == e.otherLoc {
			if code, _ := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", e.srv.URL, r.ID)); code != http.StatusNotFound {
				t.Errorf("GET detail of record %d (location %d) as manager = %d; want 404", r.ID, e.otherLoc, code)
			}
			break
		}
	}
	code, body := get(t, c, e.srv.URL+"/console/failedcheckins/export?format=csv")
	checkCSVLocations(t, "console export", code, body, e.managerLoc)

	apiGet := func(path string) (int, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.SetBasicAuth("manager@example.com", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	code, body = apiGet("/api/spaces/failedcheckins/export?format=csv&FailedCheckin_Business=" + other + "," + strconv.FormatInt(e.managerLoc, 10))
	checkCSVLocations(t, "API export", code, body, e.managerLoc)
	code, body = apiGet("/api/spaces/failedcheckins/stats?groupBy=BusinessId")
	want := fmt.Sprintf(`"BusinessId":%d`, e.managerLoc)
	if code != 200 || strings.Count(body, `"BusinessId":`) != 1 || !strings.Contains(body, want) {
		t.Errorf("API stats by BusinessId as manager = %d %s; want only %s", code, body, want)
	}
}

// checkCSVLocations fails unless body is a CSV with records of loc only.
func checkCSVLocations(t *testing.T, what string, code int, body string, loc int64) {
	t.Helper()
	rd, err := csvrecord.NewReader(strings.NewReader(body))
	if code != 200 || err != nil {
		t.Fatalf("%s = %d, %v", what, code, err)
	}
	n := 0
	for r, err := range rd.All() {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n++; r.BusinessID != loc {
			t.Fatalf("%s holds record %d of location %d; want only %d", what, r.ID, r.BusinessID, loc)
		}
	}
	if n == 0 {
		t.Errorf("%s is empty; the check would prove nothing", what)
	}
}

// TestBadFilterIs400 shows the parser's message on the page.
func TestBadFilterIs400(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	code, body := get(t, c, e.srv.URL+"/console/failedcheckins?from=yesterday")
	if code != http.StatusBadRequest || !strings.Contains(body, "must be a date-time") {
		t.Errorf("GET ?from=yesterday = %d; want 400 with the parser's message", code)
	}
	_ = fc.ErrInvalid
}
