package api

import (
	"context"
	"iter"
	"net/http/httptest"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/signin"
)

// holdExport starts an export for requester straight on the store and
// keeps it open (holding its slot) until the test ends.
func holdExport(t *testing.T, e *authEnv, requester int64) {
	t.Helper()
	q := fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 1, Requester: requester}
	reports, ok := e.db.(fc.FailedCheckinReportStore)
	if !ok {
		t.Skipf("store %T has no export", e.db)
	}
	next, stop := iter.Pull2(reports.ExportFailedCheckins(context.Background(), q))
	t.Cleanup(stop)
	if r, err, _ := next(); err != nil || r == nil {
		t.Fatalf("export for %d: %v, %v; want a record", requester, r, err)
	}
}

const exportPath = "/api/spaces/failedcheckins/export?format=csv"

// TestExportSlotsPerUser: a user who already runs an export gets a 429
// (with "Wait N seconds.") for another, while another user's export runs
// (slots were only global, issue 18 item 14).
func TestExportSlotsPerUser(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	ana := e.addUser("ana@example.com", true, nil)
	e.addUser("bo@example.com", true, nil)
	holdExport(t, e, ana.ID)
	w := e.get(exportPath, "Bearer "+e.login("ana@example.com").AccessToken)
	checkWaitMessage(t, "ana's second export", w.Code, w.Header().Get("Retry-After"), w.Body.Bytes())
	if w := e.get(exportPath, "Bearer "+e.login("bo@example.com").AccessToken); w.Code != 200 {
		t.Errorf("bo's export beside ana's = %d; want 200", w.Code)
	}
	// Every slot taken: a 429 for everyone, saying how long to wait.
	holdExport(t, e, 0)
	w = e.get(exportPath, "Bearer "+e.login("bo@example.com").AccessToken)
	checkWaitMessage(t, "export with every slot taken", w.Code, w.Header().Get("Retry-After"), w.Body.Bytes())
}

// TestExportHead: HEAD on the export answers the download's headers after
// the same checks as GET, without running the export: with every slot
// taken it is still a 200 with no body (it used to run the whole export,
// holding a slot). Bad parameters and missing credentials answer as GET.
func TestExportHead(t *testing.T) {
	e := newAuthEnv(t, signin.Config{})
	e.addUser("ana@example.com", true, nil)
	token := "Bearer " + e.login("ana@example.com").AccessToken
	for range fc.MaxConcurrentExports {
		holdExport(t, e, 0)
	}
	head := func(path, authorization string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("HEAD", path, nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		return e.do(r)
	}
	for format, ctype := range exportFormats {
		w := head("/api/spaces/failedcheckins/export?format="+format, token)
		if w.Code != 200 || w.Header().Get("Content-Type") != ctype || w.Header().Get("Content-Disposition") == "" || w.Body.Len() != 0 {
			t.Errorf("HEAD export ?format=%s = %d %q %q body %d bytes; want 200 with the download's headers and no body",
				format, w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Disposition"), w.Body.Len())
		}
	}
	if w := head("/api/spaces/failedcheckins/export?format=xml", token); w.Code != 400 {
		t.Errorf("HEAD export ?format=xml = %d; want 400", w.Code)
	}
	if w := head("/api/spaces/failedcheckins/export", ""); w.Code != 401 {
		t.Errorf("HEAD export without credentials = %d; want 401", w.Code)
	}
}
