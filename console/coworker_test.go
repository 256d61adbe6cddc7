package console_test

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
)

var timelineRow = regexp.MustCompile(`<tr class="(accepted|refused)"><td><time datetime="([^"]+)">`)

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
