package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
)

// auditAuth maps bearer tokens to callers with emails: "admin" a full
// administrator; "lister" reads FailedCheckins and Checkins of locations
// 1001 and 1 and may evaluate; "norole" holds no role; "auditor" holds
// only Audit-List and is bound to location 1001; "masked" is a full
// administrator who sees personal data masked.
type auditAuth struct{}

func (auditAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "":
		return nil, nil
	case "admin":
		return &fc.Caller{UserID: 1, Email: "admin@example.com", Admin: true, Scope: fc.AllBusinesses()}, nil
	case "lister":
		return &fc.Caller{UserID: 2, Email: "Lister@Example.com", Roles: []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead,
			fc.RoleCheckinList, fc.RoleCheckinRead, fc.RoleCheckinEvaluate}, Scope: fc.BusinessScope(1001, 1)}, nil
	case "norole":
		return &fc.Caller{UserID: 3, Email: "norole@example.com", Scope: fc.AllBusinesses()}, nil
	case "auditor":
		return &fc.Caller{UserID: 4, Email: "auditor@example.com", Roles: []string{"audit-list"}, Scope: fc.BusinessScope(1001)}, nil
	case "masked":
		return &fc.Caller{UserID: 5, Email: "masked@example.com", Admin: true, Scope: fc.AllBusinesses(), MaskPersonalData: true}, nil
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

// auditStore is what the audit tests need of the store.
type auditStore interface {
	teststore.Store
	fc.AuditStore
	fc.CheckinStore
	fc.DirectoryStore
	fc.AttemptStore
}

// auditEnv is a server with the check-in endpoints and an Auditor over a
// store seeded with the fixtures, the test directory and one accepted
// check-in.
type auditEnv struct {
	h         http.Handler
	db        auditStore
	auditor   *audit.Auditor
	srv       *Server
	checkinID int64
	lastID    int64 // the last audit entry seen
}

func newAuditEnv(t *testing.T) *auditEnv {
	t.Helper()
	ctx := context.Background()
	db, ok := newStore(t).(auditStore)
	if !ok {
		t.Fatal("the test store has no audit trail")
	}
	storetest.ImportTestDirectory(t, db)
	res, err := db.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceDoorAccess,
		FromTime: checkinNow.Add(-time.Hour), MacAddresses: "a4-5e-60-c2-19-0b"}})
	if err != nil || !res[0].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v", res, err)
	}
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	a := audit.New(db, audit.Options{Delay: time.Hour}) // written by Flush only, so each request's entry is found at once
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	s := New(Config{Store: db, Authenticator: auditAuth{}, Auditor: a, Console: fakeConsole{},
		Checkins: &CheckinConfig{Store: db, Directory: db, Attempts: q, Now: func() time.Time { return checkinNow }}})
	return &auditEnv{h: s.Handler(), db: db, auditor: a, srv: s, checkinID: res[0].Outcome.ID}
}

// newEntries writes what the Auditor holds and returns the entries after
// the last one seen, oldest first.
func (e *auditEnv) newEntries(t *testing.T) []*fc.AuditEntry {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.auditor.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	q, err := searchparams.Audit.Parse("orderBy=Id&dir=asc&size=1000&from_Audit_Id=" + strconv.FormatInt(e.lastID+1, 10))
	if err != nil {
		t.Fatal(err)
	}
	q.Scope = fc.AllBusinesses()
	page, err := e.db.FindAuditEntries(ctx, q)
	if err != nil {
		t.Fatalf("FindAuditEntries: %v", err)
	}
	if n := len(page.Entries); n > 0 {
		e.lastID = page.Entries[n-1].ID
	}
	return page.Entries
}

// TestAuditEveryEndpoint sends one request to every audited API route (and
// the console routes, through the fake console) and checks that each
// wrote exactly one entry with the caller, channel, status and counts:
// successes and refusals (401, 403, 404, 400) alike.
func TestAuditEveryEndpoint(t *testing.T) {
	e := newAuditEnv(t)
	dirBody := storetest.CheckinDirectory
	dir, err := fc.ParseDirectory(strings.NewReader(dirBody))
	if err != nil {
		t.Fatal(err)
	}
	coworkers := int64(len(dir.Coworkers))
	total := func(n int64) *int64 { return &n }
	cases := []struct {
		name, method, target, token, body string
		status                            int
		user                              string
		channel                           fc.AuditChannel
		count                             int64
		totalItems                        *int64
	}{
		{"search", "GET", "/api/spaces/failedcheckins?size=2&FailedCheckin_Business=1001", "admin", "", 200, "admin@example.com", fc.ChannelAPI, 2, total(3)},
		{"search in scope", "GET", "/api/spaces/failedcheckins", "lister", "", 200, "Lister@Example.com", fc.ChannelAPI, 3, total(3)},
		{"search, bad size", "GET", "/api/spaces/failedcheckins?size=0", "admin", "", 400, "admin@example.com", fc.ChannelAPI, 0, nil},
		{"search, no credentials", "GET", "/api/spaces/failedcheckins", "", "", 401, "", fc.ChannelAPI, 0, nil},
		{"search, bad credentials", "GET", "/api/spaces/failedcheckins", "forged", "", 401, "", fc.ChannelAPI, 0, nil},
		{"search, no role", "GET", "/api/spaces/failedcheckins", "norole", "", 403, "norole@example.com", fc.ChannelAPI, 0, nil},
		{"get one", "GET", "/api/spaces/failedcheckins/1", "lister", "", 200, "Lister@Example.com", fc.ChannelAPI, 1, nil},
		{"get one explained", "GET", "/api/spaces/failedcheckins/1?explain=true", "admin", "", 200, "admin@example.com", fc.ChannelAPI, 1, nil},
		{"get one of another location", "GET", "/api/spaces/failedcheckins/3", "lister", "", 404, "Lister@Example.com", fc.ChannelAPI, 0, nil},
		{"get one, bad id", "GET", "/api/spaces/failedcheckins/x", "admin", "", 400, "admin@example.com", fc.ChannelAPI, 0, nil},
		{"export", "GET", "/api/spaces/failedcheckins/export?FailedCheckin_Coworker_FullName=ana", "admin", "", 200, "admin@example.com", fc.ChannelAPI, 2, nil},
		{"export ndjson in scope", "GET", "/api/spaces/failedcheckins/export?format=ndjson", "lister", "", 200, "Lister@Example.com", fc.ChannelAPI, 3, nil},
		{"stats", "GET", "/api/spaces/failedcheckins/stats?groupBy=BusinessId", "admin", "", 200, "admin@example.com", fc.ChannelAPI, 3, total(6)},
		{"check-in search", "GET", "/api/spaces/checkins", "lister", "", 200, "Lister@Example.com", fc.ChannelAPI, 1, total(1)},
		{"check-in get one", "GET", "/api/spaces/checkins/" + strconv.FormatInt(e.checkinID, 10), "admin", "", 200, "admin@example.com", fc.ChannelAPI, 1, nil},
		{"check-in get one, no role", "GET", "/api/spaces/checkins/" + strconv.FormatInt(e.checkinID, 10), "norole", "", 403, "norole@example.com", fc.ChannelAPI, 0, nil},
		{"evaluate", "POST", EvaluatePath, "lister", `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`, 200, "Lister@Example.com", fc.ChannelAPI, 1, nil},
		{"evaluate, bad body", "POST", EvaluatePath, "lister", `{"BusinessId": 1}`, 400, "Lister@Example.com", fc.ChannelAPI, 0, nil},
		{"directory", "GET", "/api/directory", "admin", "", 200, "admin@example.com", fc.ChannelAPI, coworkers, nil},
		{"directory, not an administrator", "GET", "/api/directory", "lister", "", 403, "Lister@Example.com", fc.ChannelAPI, 0, nil},
		{"directory import", "PUT", "/api/directory", "admin", dirBody, 200, "admin@example.com", fc.ChannelAPI, coworkers, nil},
		{"audit", "GET", "/api/audit?size=1", "admin", "", 200, "admin@example.com", fc.ChannelAPI, 1, nil}, // TotalItems checked below
		{"audit, no role", "GET", "/api/audit", "lister", "", 403, "Lister@Example.com", fc.ChannelAPI, 0, nil},
		// A stream refused before it opens has the one entry of its answer.
		{"stream, bad filter", "GET", "/api/spaces/failedcheckins/stream?FailedCheckin_Source=Teleport", "lister", "", 400, "Lister@Example.com", fc.ChannelStream, 0, nil},
		{"stream, no role", "GET", "/api/spaces/checkins/stream", "norole", "", 403, "norole@example.com", fc.ChannelStream, 0, nil},
		{"stream, no credentials", "GET", "/api/spaces/failedcheckins/stream", "", "", 401, "", fc.ChannelStream, 0, nil},
		{"console list", "GET", "/console/failedcheckins?x=1", "", "", 200, "", fc.ChannelConsole, 0, nil},
		{"console record", "GET", "/console/failedcheckins/1", "", "", 500, "", fc.ChannelConsole, 0, nil}, // the fake page panics
		{"console coworker", "GET", "/console/coworkers/100001", "", "", 200, "", fc.ChannelConsole, 0, nil},
		{"console export", "GET", "/console/failedcheckins/export", "", "", 200, "", fc.ChannelConsole, 0, nil},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
		if c.token != "" {
			r.Header.Set("Authorization", "Bearer "+c.token)
		}
		var w *httptest.ResponseRecorder
		if strings.HasPrefix(c.target, "/console/") || strings.Contains(c.target, "ndjson") { // not JSON: unchecked
			w = httptest.NewRecorder()
			e.h.ServeHTTP(w, r)
		} else {
			w = serveChecked(t, e.h, r)
		}
		if w.Code != c.status {
			t.Errorf("%s: %s %s = %d %s; want %d", c.name, c.method, c.target, w.Code, w.Body, c.status)
			continue
		}
		got := e.newEntries(t)
		if len(got) != 1 {
			t.Errorf("%s: %d audit entries; want exactly 1: %+v", c.name, len(got), got)
			continue
		}
		en := got[0]
		path, query, _ := strings.Cut(c.target, "?")
		if en.UserEmail != c.user || en.Channel != c.channel || en.Status != c.status || en.ResultCount != c.count ||
			en.Method != c.method || en.Path != path || en.Query != query || en.ClientAddress != "192.0.2.1" {
			t.Errorf("%s: entry %+v;\nwant user %q, channel %s, %s %s?%s, status %d, count %d from 192.0.2.1",
				c.name, *en, c.user, c.channel, c.method, path, query, c.status, c.count)
		}
		switch {
		case c.name == "audit":
			if en.TotalItems == nil || *en.TotalItems < 20 {
				t.Errorf("audit: TotalItems = %v; want every entry so far", en.TotalItems)
			}
		case (c.totalItems == nil) != (en.TotalItems == nil) || (c.totalItems != nil && *c.totalItems != *en.TotalItems):
			t.Errorf("%s: TotalItems = %s; want %s", c.name, optInt(en.TotalItems), optInt(c.totalItems))
		}
		if time.Since(en.On) > time.Minute || en.On.After(time.Now()) {
			t.Errorf("%s: On = %v; want now", c.name, en.On)
		}
	}

	// Routes that return nothing personal write nothing.
	for _, target := range []string{"/healthz", "/openapi.json", "/api/spaces/failedcheckins/reasons", "/nowhere"} {
		do(t, e.h, "GET", target, "admin")
	}
	do(t, e.h, "POST", "/api/spaces/failedcheckins", "admin") // a 405
	if got := e.newEntries(t); len(got) != 0 {
		t.Errorf("requests to unaudited routes wrote %d entries: %+v", len(got), got[0])
	}
}

// optInt shows a nullable count.
func optInt(n *int64) string {
	if n == nil {
		return "null"
	}
	return strconv.FormatInt(*n, 10)
}

// TestAuditSearch: GET /api/audit's filters, paging, sort and roles, and
// its 400s, over entries written through the Auditor.
func TestAuditSearch(t *testing.T) {
	e := newAuditEnv(t)
	ctx := context.Background()
	on := func(s string) time.Time { return utc(s) }
	entries := []fc.AuditEntry{
		{On: on("2026-11-30T23:59:59Z"), UserEmail: "ana@example.com", ClientAddress: "10.0.0.1", Channel: fc.ChannelAPI, Method: "GET",
			Path: "/api/spaces/failedcheckins", Query: "FailedCheckin_Coworker=100042", Status: 200, ResultCount: 3, TotalItems: ptr(int64(3))},
		{On: on("2026-12-01T00:00:00Z"), UserEmail: "joana@example.com", ClientAddress: "10.0.0.2", Channel: fc.ChannelConsole, Method: "GET",
			Path: "/console/coworkers/100042", Status: 200, ResultCount: 7},
		{On: on("2026-12-02T10:00:00Z"), UserEmail: "Ana@Example.com", ClientAddress: "10.0.0.1", Channel: fc.ChannelAPI, Method: "GET",
			Path: "/api/spaces/failedcheckins/5", Status: 404},
		{On: on("2026-12-03T10:00:00Z"), UserEmail: "ops@host", Channel: fc.ChannelCLI, Method: "CLI", Path: "users disable",
			Query: "email=bob%40example.com", Status: 200, ResultCount: 1},
	}
	for _, en := range entries {
		e.auditor.Record(ctx, en)
	}
	e.newEntries(t)

	type result struct {
		Records []struct {
			Id              int64
			UserEmail, Path string
			Channel, On     string
			Status          int
			TotalItems      *int64
			Query           string
			ResultCount     int64
			ClientAddress   string
			Method          string
		}
		TotalItems, TotalPages int64
	}
	search := func(token, query string) (int, result) {
		t.Helper()
		w := do(t, e.h, "GET", "/api/audit?"+query, token)
		var res result
		if w.Code == 200 {
			if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
				t.Fatalf("%s: %v", w.Body, err)
			}
		}
		return w.Code, res
	}
	paths := func(r result) string {
		var p []string
		for _, rec := range r.Records {
			p = append(p, rec.Path)
		}
		return strings.Join(p, " ")
	}
	// The seeded entries are the only ones before December 4.
	window := "to_Audit_On=2026-12-03&"
	cases := []struct{ query, want string }{
		{"", "users disable /api/spaces/failedcheckins/5 /console/coworkers/100042 /api/spaces/failedcheckins"}, // On descending
		{"orderBy=on&dir=asc", "/api/spaces/failedcheckins /console/coworkers/100042 /api/spaces/failedcheckins/5 users disable"},
		{"audit_user=ANA@example.com", "/api/spaces/failedcheckins/5 /api/spaces/failedcheckins"}, // exact: not joana
		{"Audit_User=ana@example.com,joana@example.com&dir=asc", "/api/spaces/failedcheckins /console/coworkers/100042 /api/spaces/failedcheckins/5"},
		{"Audit_Path=COWORKERS/100042", "/console/coworkers/100042"},
		{"Audit_Query=coworker=100042", "/api/spaces/failedcheckins"},
		{"Audit_Channel=cli,console", "users disable /console/coworkers/100042"},
		{"Audit_Status=404", "/api/spaces/failedcheckins/5"},
		{"from_Audit_On=2026-12-01&to_Audit_On=2026-12-02", "/api/spaces/failedcheckins/5 /console/coworkers/100042"},
		{"Audit_Method=cli", "users disable"},
		{"orderBy=UserEmail&dir=asc", "/api/spaces/failedcheckins /api/spaces/failedcheckins/5 /console/coworkers/100042 users disable"},
		{"size=1&page=2", "/api/spaces/failedcheckins/5"},
	}
	for _, c := range cases {
		query := window + c.query
		if strings.Contains(c.query, "to_Audit_On") {
			query = c.query
		}
		code, res := search("admin", query)
		if code != 200 || paths(res) != c.want {
			t.Errorf("GET /api/audit?%s = %d %q; want 200 %q", c.query, code, paths(res), c.want)
		}
	}
	if _, res := search("admin", window+"size=1"); res.TotalItems != 4 || res.TotalPages != 4 {
		t.Errorf("size=1: TotalItems %d, TotalPages %d; want 4, 4", res.TotalItems, res.TotalPages)
	}
	if _, res := search("admin", window+"Audit_Status=200&dir=asc"); len(res.Records) != 3 || res.Records[0].TotalItems == nil ||
		*res.Records[0].TotalItems != 3 || res.Records[1].TotalItems != nil || res.Records[0].On != "2026-11-30T23:59:59Z" ||
		res.Records[0].Query != "FailedCheckin_Coworker=100042" || res.Records[0].ClientAddress != "10.0.0.1" || res.Records[0].ResultCount != 3 {
		t.Errorf("entries as written: %+v", res.Records)
	}
	// A user bound to locations reads every entry with the role, and
	// nothing without it.
	if code, res := search("auditor", window); code != 200 || res.TotalItems != 4 {
		t.Errorf("auditor (Audit-List, one location) = %d, %d entries; want 200, 4", code, res.TotalItems)
	}
	for _, token := range []string{"lister", "norole"} {
		if code, _ := search(token, ""); code != 403 {
			t.Errorf("%s (no Audit-List) = %d; want 403", token, code)
		}
	}
	if code, _ := search("", ""); code != 401 {
		t.Errorf("no credentials = %d; want 401", code)
	}
	// The same 400s as search, naming the parameter.
	for query, param := range map[string]string{
		"Audit_Channel=Email":                             "Audit_Channel",
		"audit_status=ok":                                 "audit_status",
		"from_Audit_On=yesterday":                         "from_Audit_On",
		"from_Audit_On=2026-12-02&to_Audit_On=2026-12-01": "from_Audit_On",
		"Audit_Usr=ana":                                   "Audit_Usr",
		"orderBy=Coworker":                                "orderBy",
		"size=0":                                          "size",
		"Audit_User=a&audit_user=b":                       "audit_user",
	} {
		w := do(t, e.h, "GET", "/api/audit?"+query, "admin")
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"PropertyName":"`+param+`"`) {
			t.Errorf("GET /api/audit?%s = %d %s; want 400 naming %s", query, w.Code, w.Body, param)
		}
	}
	// Reading the audit is audited: every request above wrote one entry.
	got := e.newEntries(t)
	if want := len(cases) + 2 + 1 + 2 + 1 + 8; len(got) != want {
		t.Errorf("the audit reads wrote %d entries; want %d", len(got), want)
	}
	for _, en := range got {
		if en.Path != "/api/audit" {
			t.Errorf("entry %+v; want one of GET /api/audit", *en)
		}
	}
}

// TestEveryRouteClassified: every route routes.go registers for a method
// is either audited or named as returning nothing personal, and both
// tables name only registered routes, so a new route (a stream, a
// webhook) cannot be left out of the audit by accident.
func TestEveryRouteClassified(t *testing.T) {
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{"TokenPath": TokenPath, "EvaluatePath": EvaluatePath, "MetricsPath": MetricsPath, "OpenAPIPath": OpenAPIPath}
	registered := map[string]bool{}
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE) /[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		registered[m[1]] = true
	}
	for _, m := range regexp.MustCompile(`mux\.Handle(?:Func)?\("(GET|POST|PUT|PATCH|DELETE) "\+([A-Z][A-Za-z]+)`).FindAllStringSubmatch(string(src), -1) {
		path, ok := consts[m[2]]
		if !ok {
			t.Fatalf("routes.go registers %s %s: add the constant to this test", m[1], m[2])
		}
		registered[m[1]+" "+path] = true
	}
	for _, m := range regexp.MustCompile(`s\.readOnly\(mux, (?:"(/[^"]*)"|([A-Za-z]+))`).FindAllStringSubmatch(string(src), -1) {
		path := m[1]
		if path == "" {
			path = consts[m[2]]
		}
		registered["GET "+path] = true
	}
	if len(registered) < 20 {
		t.Fatalf("found %d routes in routes.go; want them all", len(registered))
	}
	for route := range registered {
		if _, audited := auditedRoutes[route]; !audited && !notAuditedRoutes[route] {
			t.Errorf("routes.go registers %q, which is in neither auditedRoutes nor notAuditedRoutes (api/audit.go): does it return records or personal data?", route)
		}
	}
	for route := range auditedRoutes {
		if !registered[route] {
			t.Errorf("auditedRoutes names %q, which routes.go does not register", route)
		}
		if notAuditedRoutes[route] {
			t.Errorf("%q is both audited and not", route)
		}
	}
	for route := range notAuditedRoutes {
		if !registered[route] {
			t.Errorf("notAuditedRoutes names %q, which routes.go does not register", route)
		}
	}
}

// TestAuditStream: a live stream writes two entries of channel Stream
// (PRIVACY.md section 1): one as it opens (status 200, no record), one as
// it closes with the number of records it sent, both with the caller, the
// path and the query as sent.
func TestAuditStream(t *testing.T) {
	e := newAuditEnv(t)
	ts := httptest.NewServer(e.h)
	t.Cleanup(ts.Close)
	t.Cleanup(e.srv.CloseStreams)
	e.newEntries(t) // what setting up wrote
	const path, query = "/api/spaces/failedcheckins/stream", "FailedCheckin_Source=DoorAccess"
	c, code, body := openStream(t, ts.URL, path+"?"+query, "lister")
	if code != 200 {
		t.Fatalf("open = %d %s", code, body)
	}
	check := func(what string, en *fc.AuditEntry, count int64) {
		t.Helper()
		if en.Channel != fc.ChannelStream || en.Status != 200 || en.ResultCount != count || en.UserEmail != "Lister@Example.com" ||
			en.Method != "GET" || en.Path != path || en.Query != query || en.TotalItems != nil {
			t.Errorf("%s: entry %+v; want channel Stream, status 200, count %d, the lister, GET %s?%s", what, *en, count, path, query)
		}
	}
	got := e.newEntries(t)
	if len(got) != 1 {
		t.Fatalf("after the stream opened: %d entries; want 1: %+v", len(got), got)
	}
	check("open", got[0], 0)

	// Two refusals of the lister's locations and one of another: two sent.
	var last int64
	for _, b := range []int{1, 2, 1} {
		w := send(t, e.h, "POST", "/api/spaces/checkins", "admin", fmt.Sprintf(`{"BusinessId": %d, "Source": 2, "CoworkerId": 999}`, b))
		var out struct {
			Value struct{ FailedCheckinId int64 }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil {
			t.Fatalf("attempt = %d %s", w.Code, w.Body)
		}
		last = out.Value.FailedCheckinId
	}
	if evs := c.until(t, last, 10*time.Second); len(evs) != 2 {
		t.Fatalf("stream sent %v; want 2 records", eventIDs(evs))
	}
	if got := e.newEntries(t); len(got) != 0 {
		t.Errorf("while the stream is open: %d more entries: %+v", len(got), got[0])
	}
	c.close()
	deadline := time.Now().Add(10 * time.Second)
	for got = nil; len(got) == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got = e.newEntries(t)
	}
	if len(got) != 1 {
		t.Fatalf("after the stream closed: %d entries; want 1: %+v", len(got), got)
	}
	check("close", got[0], 2)
}
