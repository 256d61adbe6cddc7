package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
)

// privacyAuth is auditAuth with "eraser" (Privacy-Erase, every location)
// and "bounderaser" (Privacy-Erase, bound to location 1001).
type privacyAuth struct{ auditAuth }

func (a privacyAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "eraser":
		return &fc.Caller{UserID: 5, Email: "dpo@example.com", Roles: []string{"privacy-erase"}, Scope: fc.AllBusinesses()}, nil
	case "bounderaser":
		return &fc.Caller{UserID: 6, Email: "local@example.com", Roles: []string{fc.RolePrivacyErase}, Scope: fc.BusinessScope(1001)}, nil
	}
	return a.auditAuth.Authenticate(r)
}

// newPrivacyEnv is newAuditEnv's store and Auditor behind privacyAuth.
func newPrivacyEnv(t *testing.T) *auditEnv {
	t.Helper()
	e := newAuditEnv(t)
	q := groupcommit.New(e.db, groupcommit.Options{})
	t.Cleanup(q.Close)
	s := New(Config{Store: e.db, Authenticator: privacyAuth{}, Auditor: e.auditor,
		Checkins: &CheckinConfig{Store: e.db, Directory: e.db, Attempts: q, Now: func() time.Time { return checkinNow }}})
	e.h = s.Handler()
	return e
}

// erasureAnswer decodes an erasure's 200.
func erasureAnswer(t *testing.T, body []byte) int {
	t.Helper()
	var out struct {
		Value struct{ RecordsChanged int }
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("erasure answer %s: %v", body, err)
	}
	return out.Value.RecordsChanged
}

// TestErasure: Ana (fixture 1, coworker 100001 with her MAC address, and
// the directory's coworker 10 owning that address, with one accepted
// check-in) is erased by MAC address through the API. Afterwards no
// search, get-one, export, statistic or check-in search finds her by
// name, MAC or id; the statistics by location, day, reason and source
// are what they were; her directory entry is gone; a second erasure
// says 0; the audit entry holds the identifier's hash only.
func TestErasure(t *testing.T) {
	e := newPrivacyEnv(t)
	groupings := []string{"BusinessId", "Day", "Reason", "Source"}
	before := map[string]string{}
	for _, g := range groupings {
		before[g] = do(t, e.h, "GET", "/api/spaces/failedcheckins/stats?groupBy="+g, "admin").Body.String()
	}
	e.newEntries(t)

	w := send(t, e.h, "POST", "/api/privacy/erasures", "eraser", `{"MacAddress": "A4-5E-60-C2-19-0B"}`, "Content-Type", "application/json")
	if w.Code != 200 {
		t.Fatalf("POST /api/privacy/erasures = %d %s; want 200", w.Code, w.Body)
	}
	if n := erasureAnswer(t, w.Body.Bytes()); n != 3 { // fixture 1 (her MAC), fixture 5 (the id on fixture 1), the check-in (the directory's id of her MAC)
		t.Errorf("RecordsChanged = %d; want 3", n)
	}
	hash := sha256.Sum256([]byte("a4:5e:60:c2:19:0b"))
	entries := e.newEntries(t)
	if len(entries) != 1 {
		t.Fatalf("audit entries of the erasure = %d; want 1", len(entries))
	}
	if a := entries[0]; a.Path != "/api/privacy/erasures" || a.Query != "Identifier=MacAddress&Sha256="+hex.EncodeToString(hash[:]) ||
		a.UserEmail != "dpo@example.com" || a.Status != 200 || a.ResultCount != 3 || a.Method != "POST" {
		t.Errorf("audit entry = %+v; want the erasure by dpo@example.com, 200, 3 records, the hash of the MAC address as Query", a)
	}

	for _, target := range []string{
		"/api/spaces/failedcheckins?FailedCheckin_Coworker_FullName=ana",
		"/api/spaces/failedcheckins?FailedCheckin_MacAddresses=a4:5e",
		"/api/spaces/failedcheckins?FailedCheckin_Coworker=100001,10",
		"/api/spaces/failedcheckins?FailedCheckin_TeamsAtTheTimeOfCheckin=atlas",
		"/api/spaces/checkins?Checkin_Coworker=10",
	} {
		w := do(t, e.h, "GET", target, "admin")
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"TotalItems":0`) {
			t.Errorf("GET %s after the erasure = %d %s; want 200 and nothing", target, w.Code, w.Body)
		}
	}
	for _, target := range []string{"/api/spaces/failedcheckins/1", "/api/spaces/failedcheckins/export",
		"/api/spaces/checkins", "/api/spaces/failedcheckins/stats?groupBy=CoworkerId", "/api/spaces/checkins/" + strconv.FormatInt(e.checkinID, 10)} {
		w := do(t, e.h, "GET", target, "admin")
		body := strings.ToLower(w.Body.String())
		if w.Code != 200 || strings.Contains(body, "ana silva") || strings.Contains(body, "a4:5e:60") || strings.Contains(body, "a4-5e-60") ||
			strings.Contains(body, "100001") || strings.Contains(body, "atlas") {
			t.Errorf("GET %s after the erasure = %d %s; want 200 and nothing of Ana", target, w.Code, w.Body)
		}
	}
	for _, g := range groupings {
		if got := do(t, e.h, "GET", "/api/spaces/failedcheckins/stats?groupBy="+g, "admin").Body.String(); got != before[g] {
			t.Errorf("stats by %s after the erasure = %s; want %s as before", g, got, before[g])
		}
	}
	dir, err := e.db.Directory(context.Background())
	if err != nil || dir.Coworker(10) != nil || dir.Coworker(11) == nil {
		t.Errorf("directory after the erasure: Ana %v, Ben %v, %v; want Ana gone, Ben kept", dir.Coworker(10), dir.Coworker(11), err)
	}
	w = send(t, e.h, "POST", "/api/privacy/erasures", "admin", `{"MacAddress": "a4:5e:60:c2:19:0b"}`, "Content-Type", "application/json")
	if w.Code != 200 || erasureAnswer(t, w.Body.Bytes()) != 0 {
		t.Errorf("second erasure = %d %s; want 200 and 0 records", w.Code, w.Body)
	}
}

// TestErasureRefused: a request that is not exactly one well-formed
// identifier in the body, or from a caller who may not erase, is refused
// with a clear 4xx and changes nothing; no audit entry holds an
// identifier, not even one sent in the query string.
func TestErasureRefused(t *testing.T) {
	e := newPrivacyEnv(t)
	exportBefore := do(t, e.h, "GET", "/api/spaces/failedcheckins/export", "admin").Body.String()
	e.newEntries(t)
	cases := []struct {
		name, target, token, body string
		status                    int
		msg                       string
	}{
		{"empty", "", "eraser", `{}`, 400, "exactly one"},
		{"two", "", "eraser", `{"CoworkerId": 100001, "Email": "ana@example.com"}`, 400, "exactly one"},
		{"other field", "", "eraser", `{"Name": "Ana Silva"}`, 400, "exactly one of CoworkerId"},
		{"id as text", "", "eraser", `{"CoworkerId": "100001"}`, 400, "positive integer"},
		{"negative id", "", "eraser", `{"CoworkerId": -1}`, 400, "positive integer"},
		{"fractional id", "", "eraser", `{"CoworkerId": 1.5}`, 400, "positive integer"},
		{"bad MAC", "", "eraser", `{"MacAddress": "a4:5e"}`, 400, "MAC address"},
		{"bad email", "", "eraser", `{"Email": "ana"}`, 400, "email address"},
		{"email null", "", "eraser", `{"Email": null}`, 400, "non-empty string"},
		{"not an object", "", "eraser", `[1]`, 400, "one JSON object"},
		{"query string", "?Email=ana@example.com", "eraser", `{"Email": "ana@example.com"}`, 400, "no query string"},
		{"bound to locations", "", "bounderaser", `{"CoworkerId": 100001}`, 403, "not bound to locations"},
		{"no role", "", "lister", `{"CoworkerId": 100001}`, 403, "Privacy-Erase"},
		{"no credentials", "", "", `{"CoworkerId": 100001}`, 401, ""},
	}
	for _, c := range cases {
		w := send(t, e.h, "POST", "/api/privacy/erasures"+c.target, c.token, c.body, "Content-Type", "application/json")
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.msg) {
			t.Errorf("%s: POST = %d %s; want %d with %q", c.name, w.Code, w.Body, c.status, c.msg)
		}
	}
	if w := send(t, e.h, "GET", "/api/privacy/erasures", "eraser", ""); w.Code != 405 {
		t.Errorf("GET /api/privacy/erasures = %d; want 405", w.Code)
	}
	if got := do(t, e.h, "GET", "/api/spaces/failedcheckins/export", "admin").Body.String(); got != exportBefore {
		t.Errorf("the records changed after refused erasures:\n%s\nwant\n%s", got, exportBefore)
	}
	entries := e.newEntries(t)
	if len(entries) != len(cases)+1 { // and the export's
		t.Errorf("audit entries = %d; want one per refused erasure and the export's (%d)", len(entries), len(cases)+1)
	}
	for _, a := range entries {
		if a.Path == "/api/privacy/erasures" && (a.Query != "" && !strings.HasPrefix(a.Query, "Identifier=") || strings.Contains(a.Query, "ana") || strings.Contains(a.Query, "100001")) {
			t.Errorf("audit entry of a refused erasure holds %q; want no identifier", a.Query)
		}
	}
}
