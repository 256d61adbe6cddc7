package console_test

import (
	"context"
	"io"
	"iter"
	"net/http"
	"strings"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
)

// holdExportSlots starts n exports straight on the store and keeps them
// open (each holds an export slot) until the test ends.
func holdExportSlots(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		next, stop := iter.Pull2(e.db.ExportFailedCheckins(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1}))
		t.Cleanup(stop)
		if r, err, _ := next(); err != nil || r == nil {
			t.Fatalf("export %d: %v, %v; want a record", i+1, r, err)
		}
	}
}

// TestExportSlotsBusyIs429: with every export slot taken, the console's
// export is a 429 page with Retry-After and "Wait N seconds." (it was a
// 500), as the API answers (issue 18 item 10).
func TestExportSlotsBusyIs429(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	holdExportSlots(t, e, fc.MaxConcurrentExports)
	resp, err := c.Get(e.srv.URL + "/console/failedcheckins/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "60" ||
		!strings.Contains(string(body), "Wait 60 seconds.") || resp.Header.Get("Content-Disposition") != "" {
		t.Errorf("console export with the slots busy = %d Retry-After %q Content-Disposition %q; want a 429 page, Retry-After 60, \"Wait 60 seconds.\"",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Disposition"))
	}
}

// TestExportHead: HEAD on the console's export answers the download's
// headers without running it: it takes no export slot (it used to run the
// whole export). A bad filter is still a 400.
func TestExportHead(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	holdExportSlots(t, e, fc.MaxConcurrentExports) // a HEAD that ran the export would be refused
	resp, err := c.Head(e.srv.URL + "/console/failedcheckins/export?format=csv")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("HEAD console export = %d %q %q; want 200 with the CSV download's headers", resp.StatusCode,
			resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	if resp, err = c.Head(e.srv.URL + "/console/failedcheckins/export?zone=mars"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("HEAD console export ?zone=mars = %d; want 400", resp.StatusCode)
		}
	}
}

// TestConsoleParamsOnceAndKnown: from, to and zone may each be given once,
// and zone is local or utc; anything else is a 400 naming the parameter
// (the first of two values won silently, and zone=mars read as local).
func TestConsoleParamsOnceAndKnown(t *testing.T) {
	e := newEnv(t)
	c := e.client(t)
	e.signIn(t, c, "admin@example.com")
	for _, tc := range []struct{ query, param string }{
		{"from=2025-01-01&from=2025-02-01", "from"},
		{"to=2025-01-01&to=2025-02-01", "to"},
		{"zone=utc&zone=local", "zone"},
		{"zone=mars", "zone"},
	} {
		for path, named := range map[string]string{
			"/console/failedcheckins":        "<strong>" + tc.param + "</strong>", // the list's error box
			"/console/failedcheckins/export": tc.param + ": ",                     // the export's error page
		} {
			code, body := get(t, c, e.srv.URL+path+"?"+tc.query)
			if code != http.StatusBadRequest || !strings.Contains(body, named) {
				t.Errorf("GET %s?%s = %d; want 400 naming %s", path, tc.query, code, tc.param)
			}
		}
	}
	// Every invalid parameter is listed, the console's and the API's.
	if code, body := get(t, c, e.srv.URL+"/console/failedcheckins?zone=mars&size=0"); code != http.StatusBadRequest ||
		!strings.Contains(body, "<strong>zone</strong>") || !strings.Contains(body, "<strong>size</strong>") {
		t.Errorf("GET ?zone=mars&size=0 = %d; want 400 naming zone and size", code)
	}
	for _, q := range []string{"zone=UTC&from=2025-01-01", "zone=local", "zone=", ""} {
		if code, _ := get(t, c, e.srv.URL+"/console/failedcheckins?"+q); code != http.StatusOK {
			t.Errorf("GET /console/failedcheckins?%s = %d; want 200", q, code)
		}
	}
}
