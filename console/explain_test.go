package console_test

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// TestRecordPageExplains: a record's page shows the explanation of its
// Reason, filled with its values, the staff action and the member
// message; a record without a reason shows none.
func TestRecordPageExplains(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	// The sample is imported history without reasons: one refusal as
	// the pipeline writes it is added.
	without := e.records[0]
	rec := *e.records[len(e.records)-1]
	rec.ID, rec.UniqueID = rec.ID+1000, "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
	rec.Reason, rec.Description, rec.Tariff = ptr(fc.ReasonPlanExpired), "Plan expired on 2026-02-28", "Hot Desk <Monthly>"
	if _, err := e.db.CreateFailedCheckins(context.Background(), func(yield func(*fc.FailedCheckin, error) bool) { yield(&rec, nil) }); err != nil {
		t.Fatal(err)
	}
	with := &rec
	code, body := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", e.srv.URL, with.ID))
	want := fc.Explain(with)
	for _, text := range []string{want.Title, want.Explanation, want.StaffAction, want.MemberMessage} {
		if code != 200 || !strings.Contains(body, html.EscapeString(text)) {
			t.Errorf("record %d (%s): the page = %d, lacks %q", with.ID, *with.Reason, code, text)
		}
	}
	if !strings.Contains(body, "28 February 2026") || !strings.Contains(body, "Hot Desk &lt;Monthly&gt;") {
		t.Errorf("the page does not show the record's values, escaped")
	}
	if without.Reason == nil {
		if _, body := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", e.srv.URL, without.ID)); strings.Contains(body, `id="explanation"`) {
			t.Errorf("record %d without a reason shows an explanation", without.ID)
		}
	}
}

// TestRecordPageShowsResolution: a resolved record's page says so, when,
// and links to the check-in on its coworker's timeline; an unresolved one
// says no; the list's "Got in within the hour" filter keeps either kind.
func TestRecordPageShowsResolution(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	var resolved, unresolved *fc.FailedCheckin
	for _, r := range e.records { // the sample resolves some (storetest.Resolve)
		switch {
		case r.ResolvedByCheckinID != nil && resolved == nil:
			resolved = r
		case r.ResolvedByCheckinID == nil && unresolved == nil:
			unresolved = r
		}
	}
	if resolved == nil || unresolved == nil {
		t.Fatal("the sample holds no resolved record, or no unresolved one")
	}
	_, body := get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", e.srv.URL, resolved.ID))
	link := fmt.Sprintf(`<a href="/console/coworkers/%d#checkin-%d" id="resolved-link">check-in %d</a>`,
		*resolved.CoworkerID, *resolved.ResolvedByCheckinID, *resolved.ResolvedByCheckinID)
	if !strings.Contains(body, link) || !strings.Contains(body, "resolved "+resolved.ResolvedOn.UTC().Format("2006-01-02 15:04:05")+" UTC") {
		t.Errorf("resolved record %d: the page lacks %s and its ResolvedOn", resolved.ID, link)
	}
	_, body = get(t, c, fmt.Sprintf("%s/console/failedcheckins/%d", e.srv.URL, unresolved.ID))
	if !strings.Contains(body, `id="f-resolved">No accepted check-in`) || strings.Contains(body, `id="resolved-link"`) {
		t.Errorf("unresolved record %d: the page does not say it was not resolved", unresolved.ID)
	}
	n := 0
	for _, r := range e.records {
		if r.ResolvedByCheckinID != nil {
			n++
		}
	}
	_, body = get(t, c, e.srv.URL+"/console/failedcheckins?FailedCheckin_Resolved=true")
	if !strings.Contains(body, fmt.Sprintf("Failed check-ins, %d in all", n)) || !strings.Contains(body, `<option value="true" selected>`) {
		t.Errorf("the list filtered by FailedCheckin_Resolved=true does not show %d records with the filter selected", n)
	}
}
