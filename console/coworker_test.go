package console_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

var timelineRow = regexp.MustCompile(`<tr class="(accepted|refused)"(?: id="checkin-\d+")?><td><time datetime="([^"]+)">`)

// timeline is the coworker page's rows: outcome and UTC time, in order.
func timeline(body string) []string {
	var rows []string
	for _, m := range timelineRow.FindAllStringSubmatch(body, -1) {
		rows = append(rows, m[1]+" "+m[2])
	}
	return rows
}

// TestCoworkerPage: the timeline holds the coworker's refused and
// accepted attempts at the user's locations only, newest first; accepted
// ones only with Checkin-List; the directory's view (plan, hours, the
// month's check-ins counted at every location) only with
// Checkin-Evaluate; a coworker with nothing to show is a 404.
func TestCoworkerPage(t *testing.T) {
	ee := newEvalEnv(t)
	staff := ee.client(t)
	ee.signIn(t, staff, "staff@example.com")
	lister := ee.client(t)
	ee.signIn(t, lister, "lister@example.com")

	_, rec := get(t, staff, fmt.Sprintf("%s/console/failedcheckins/%d", ee.srv.URL, ee.limited))
	if !strings.Contains(rec, `href="/console/coworkers/10"`) {
		t.Errorf("the record page does not link to its coworker")
	}

	code, body := get(t, staff, ee.srv.URL+"/console/coworkers/10")
	text := html.UnescapeString(body)
	// Ana at London: accepted 08:00 and 08:02, refused 08:03; her 08:01
	// check-in at Paris is outside the scope (but counts for the limit).
	want := []string{"refused 2026-07-01T08:03:00Z", "accepted 2026-07-01T08:02:00Z", "accepted 2026-07-01T08:00:00Z"}
	if got := timeline(body); code != 200 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("staff: coworker 10 = %d, timeline %q; want %q", code, got, want)
	}
	for _, s := range []string{"Ana Silva", "Three a month (tariff 1)", "3 of 3 used in July 2026 at London",
		fmt.Sprintf(`href="/console/failedcheckins/%d"`, ee.limited)} {
		if !strings.Contains(text, s) {
			t.Errorf("staff: coworker 10 lacks %q", s)
		}
	}
	if strings.Contains(text, "Paris") {
		t.Errorf("staff: coworker 10 mentions Paris, outside the scope")
	}

	code, body = get(t, staff, ee.srv.URL+"/console/coworkers/11")
	if got := timeline(body); code != 200 || len(got) != 1 || strings.Contains(body, fmt.Sprintf("/console/failedcheckins/%d\"", ee.paris)) {
		t.Errorf("staff: coworker 11 = %d, timeline %q; want only the refusal at London", code, got)
	}
	if !strings.Contains(body, "London only (tariff 2)") || !strings.Contains(body, "no monthly limit") {
		t.Errorf("staff: coworker 11 lacks the plan of the directory")
	}

	code, body = get(t, lister, ee.srv.URL+"/console/coworkers/10")
	if got := timeline(body); code != 200 || fmt.Sprint(got) != fmt.Sprint(want[:1]) || strings.Contains(body, `id="directory"`) {
		t.Errorf("lister: coworker 10 = %d, timeline %q, directory shown %t; want %q without accepted attempts or directory",
			code, got, strings.Contains(body, `id="directory"`), want[:1])
	}
	if code, _ := get(t, lister, ee.srv.URL+"/console/coworkers/99"); code != 404 {
		t.Errorf("lister: unknown coworker = %d; want 404", code)
	}
	if code, _ := get(t, staff, ee.srv.URL+"/console/coworkers/abc"); code != 404 {
		t.Errorf("staff: /console/coworkers/abc = %d; want 404", code)
	}
	reader := ee.client(t)
	ee.signIn(t, reader, "reader@example.com")
	if code, _ := get(t, reader, ee.srv.URL+"/console/coworkers/10"); code != 403 {
		t.Errorf("reader without FailedCheckin-List: coworker 10 = %d; want 403", code)
	}
}

// TestEvaluateOnCoworkerPage: the coworker page's check at a location of
// the user's is fc.EvaluateAll's answer for that coworker there now;
// another location is a 404, a missing token or role a 403, and none of
// them reads the directory; nothing is written.
func TestEvaluateOnCoworkerPage(t *testing.T) {
	ee := newEvalEnv(t)
	staff := ee.client(t)
	ee.signIn(t, staff, "staff@example.com")
	lister := ee.client(t)
	ee.signIn(t, lister, "lister@example.com")
	_, page := get(t, staff, ee.srv.URL+"/console/coworkers/10")
	if !strings.Contains(page, `<option value="1" selected>London (1)</option>`) || strings.Contains(page, `value="2"`) {
		t.Errorf("the form's locations are not London alone, selected")
	}
	token := csrfOf(t, page)
	_, listerPage := get(t, lister, ee.srv.URL+"/console/coworkers/10")
	post := func(c *http.Client, location, csrf string) (int, string) {
		t.Helper()
		resp, err := c.PostForm(ee.srv.URL+"/console/coworkers/10/evaluate", url.Values{"location": {location}, "csrf": {csrf}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, readAll(t, resp)
	}
	before := ee.rowCounts(t)
	for _, tt := range []struct {
		name           string
		c              *http.Client
		location, csrf string
		status         int
	}{
		{"no token", staff, "1", "", http.StatusForbidden},
		{"out of scope", staff, "2", token, http.StatusNotFound},
		{"not a location", staff, "x", token, http.StatusNotFound},
		{"without Checkin-Evaluate", lister, "1", csrfOf(t, listerPage), http.StatusForbidden},
	} {
		reads := ee.dir.reads.Load()
		if code, body := post(tt.c, tt.location, tt.csrf); code != tt.status || strings.Contains(body, `id="eval-outcome"`) {
			t.Errorf("%s: evaluate = %d; want %d without an outcome", tt.name, code, tt.status)
		}
		if n := ee.dir.reads.Load() - reads; n != 0 {
			t.Errorf("%s: the directory was read %d times; want none", tt.name, n)
		}
	}
	code, body := post(staff, "1", token)
	dir, err := ee.db.Directory(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id := int64(10)
	want, err := fc.EvaluateAll(dir, &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, CoworkerID: &id, FromTime: evalNow},
		fc.StoredCheckinCount(context.Background(), ee.db))
	if err != nil {
		t.Fatal(err)
	}
	text := html.UnescapeString(body)
	texts := []string{"Refused: " + fc.ReasonCheckinLimitReached, want.Verdict.Description,
		"2026-08-01 00:00:00 (UTC+01:00) local time, 2026-07-31 23:00:00 UTC"}
	for _, ch := range want.Checks {
		texts = append(texts, ch.Detail)
	}
	texts = append(texts, want.Fixes...)
	for _, s := range texts {
		if code != 200 || !strings.Contains(text, s) {
			t.Errorf("evaluate = %d, lacks %q", code, s)
		}
	}
	if want.Verdict.Reason != fc.ReasonCheckinLimitReached {
		t.Errorf("fc.EvaluateAll = %s; the fixture expects CheckinLimitReached", want.Verdict.Reason)
	}
	if after := ee.rowCounts(t); after != before {
		t.Errorf("rows %v before, %v after", before, after)
	}
}
