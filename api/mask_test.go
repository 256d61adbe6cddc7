package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// personal are the values of the fixtures' personal fields that a masked
// user must never see, in any case (CoworkerFullName, MacAddresses and
// TeamsAtTheTimeOfCheckin of records 1-6).
var personal = []string{"Ana Silva", "Zoë Straße", "Bob Smith", "Carla Jones", "A4:5E:60:C2", "a4:5e:60:c2", "aa-bb-cc",
	"aa:bb:cc:dd", "Atlas Labs", "Orbit"}

// noPersonal fails t when body holds any personal value.
func noPersonal(t *testing.T, what, body string) {
	t.Helper()
	for _, p := range personal {
		if strings.Contains(body, p) {
			t.Errorf("%s shows %q to a masked user: %.400s", what, p, body)
		}
	}
}

// TestMaskedSearchGetExportStats: a masked user gets every record of the
// search, get-one (with its explanation), the CSV and NDJSON exports and
// the coworker statistic with CoworkerFullName as initials, MacAddresses
// with only their last two octets and no teams; every other field is the
// unmasked user's. The unmasked administrator still sees everything.
func TestMaskedSearchGetExportStats(t *testing.T) {
	h := newTestServer(t, nil).Handler()
	type rec struct {
		Id                                                      int64
		CoworkerFullName, MacAddresses, TeamsAtTheTimeOfCheckin string
		Description, BusinessName, TariffAtTheTimeOfCheckin     string
	}
	var plain, masked struct{ Records []rec }
	for token, into := range map[string]any{"admin": &plain, "masked": &masked} {
		w := do(t, h, "GET", searchPath+"?size=100&orderBy=Id&dir=asc", token)
		if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), into) != nil {
			t.Fatalf("search as %s = %d %s", token, w.Code, w.Body)
		}
	}
	if len(plain.Records) != 6 || len(masked.Records) != 6 {
		t.Fatalf("search: %d and %d records; want 6 each", len(plain.Records), len(masked.Records))
	}
	if p := plain.Records[0]; p.CoworkerFullName != "Ana Silva" || p.MacAddresses != "A4:5E:60:C2:19:0B" || p.TeamsAtTheTimeOfCheckin != "Atlas Labs, Orbit" {
		t.Errorf("the unmasked administrator sees %+v; want every personal field", p)
	}
	want := map[int64][3]string{1: {"A. S.", "**:**:**:**:19:0b", ""}, 2: {"", "**:**:**:**:ee:ff", ""}, 3: {"Z. S.", "", ""},
		4: {"B. S.", "", ""}, 5: {"A. S.", "", ""}, 6: {"C. J.", "", ""}}
	for i, m := range masked.Records {
		p := plain.Records[i]
		if w := want[m.Id]; [3]string{m.CoworkerFullName, m.MacAddresses, m.TeamsAtTheTimeOfCheckin} != w {
			t.Errorf("masked record %d = %q, %q, %q; want %q", m.Id, m.CoworkerFullName, m.MacAddresses, m.TeamsAtTheTimeOfCheckin, w)
		}
		if m.Id != p.Id || m.Description != p.Description || m.BusinessName != p.BusinessName || m.TariffAtTheTimeOfCheckin != p.TariffAtTheTimeOfCheckin {
			t.Errorf("masked record %+v differs from %+v beyond the personal fields", m, p)
		}
	}
	for _, path := range []string{searchPath + "/1?explain=true", searchPath + "/2?explain=true", searchPath + "/1",
		searchPath + "/export?format=csv", searchPath + "/export?format=ndjson", searchPath + "/stats?groupBy=CoworkerId"} {
		get := func(token string) *httptest.ResponseRecorder {
			if strings.Contains(path, "ndjson") { // not a content type the document's checker decodes
				w := httptest.NewRecorder()
				r := authRequest(token)
				r.URL, _ = url.Parse(path)
				h.ServeHTTP(w, r)
				return w
			}
			return do(t, h, "GET", path, token)
		}
		w := get("masked")
		if w.Code != 200 {
			t.Errorf("GET %s as masked = %d %s", path, w.Code, w.Body)
			continue
		}
		noPersonal(t, path, w.Body.String())
		if wantIn := map[string]string{searchPath + "/1": `"A. S."`, searchPath + "/2?explain=true": "**:**:**:**:ee:ff",
			searchPath + "/export?format=csv": "C. J.", searchPath + "/stats?groupBy=CoworkerId": `"CoworkerFullName":"B. S."`}[path]; !strings.Contains(w.Body.String(), wantIn) {
			t.Errorf("GET %s as masked = %.400s; want it to hold %s", path, w.Body, wantIn)
		}
		if plain := get("admin"); !strings.Contains(plain.Body.String(), "Silva") && !strings.Contains(plain.Body.String(), "ee-ff") &&
			!strings.Contains(plain.Body.String(), "ee:ff") {
			t.Errorf("GET %s as admin = %.300s; want the unmasked values", path, plain.Body)
		}
	}
}

// TestMaskedFilterForbidden: for a masked user every filter or sort by a
// personal field, on search, export, statistics and both streams, is a
// 403 naming the parameter as sent (and nothing is read); the same
// request of an unmasked user is answered, and other filters are fine.
func TestMaskedFilterForbidden(t *testing.T) {
	h := newTestServer(t, nil).Handler()
	for _, c := range []struct{ path, param string }{
		{searchPath + "?FailedCheckin_Coworker_FullName=an", "FailedCheckin_Coworker_FullName"},
		{searchPath + "?failedcheckin_coworker_fullname=a", "failedcheckin_coworker_fullname"},
		{searchPath + "?FailedCheckin_MacAddresses=19:0b", "FailedCheckin_MacAddresses"},
		{searchPath + "?FailedCheckin_TeamsAtTheTimeOfCheckin=orb", "FailedCheckin_TeamsAtTheTimeOfCheckin"},
		{searchPath + "?orderBy=CoworkerFullName", "orderBy"},
		{searchPath + "?orderBy=MacAddresses&dir=asc", "orderBy"},
		{searchPath + "?orderBy=TeamsAtTheTimeOfCheckin", "orderBy"},
		{searchPath + "/export?FailedCheckin_Coworker_FullName=an", "FailedCheckin_Coworker_FullName"},
		{searchPath + "/export?format=csv&orderBy=CoworkerFullName", "orderBy"},
		{searchPath + "/stats?groupBy=Day&FailedCheckin_MacAddresses=0b", "FailedCheckin_MacAddresses"},
	} {
		w := do(t, h, "GET", c.path, "masked")
		var body struct {
			Status int
			Errors []struct{ PropertyName string }
		}
		if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || w.Code != 403 || body.Status != 403 || len(body.Errors) != 1 ||
			body.Errors[0].PropertyName != c.param {
			t.Errorf("GET %s as masked = %d %s; want 403 naming %s", c.path, w.Code, w.Body, c.param)
		}
		if plain := do(t, h, "GET", c.path, "admin"); plain.Code == 403 || plain.Code >= 500 {
			t.Errorf("GET %s as admin = %d %s; want it answered", c.path, plain.Code, plain.Body)
		}
	}
	for _, path := range []string{searchPath + "?FailedCheckin_Reason=PlanExpired&orderBy=BusinessName", searchPath + "/stats?groupBy=CoworkerId,Day",
		searchPath + "?FailedCheckin_Coworker=100001"} {
		if w := do(t, h, "GET", path, "masked"); w.Code != 200 {
			t.Errorf("GET %s as masked = %d %s; want 200", path, w.Code, w.Body)
		}
	}
}

// TestMaskedStreams: both live streams send a masked user's records
// masked, and refuse a filter by a personal field with 403 before any
// record is read; the administrator's stream carries the values. The
// check-in search masks and refuses the same way, and the dry run names
// the coworker by initials.
func TestMaskedStreams(t *testing.T) {
	s := newStreamServer(t, openSharedStores(t, 1)[0], StreamOptions{})
	refusal := s.post(t, refuseAt2) // Ben Okafor, LocationNotAllowed
	unknown := s.post(t, `{"BusinessId": 1, "Source": 3, "MacAddresses": "aa:bb:cc:dd:ee:ff", "FromTime": "2026-07-01T09:30:00Z"}`)
	checkin := s.post(t, `{"BusinessId": 1, "Source": 3, "MacAddresses": "A4:5E:60:C2:19:0B", "FromTime": "2026-07-01T09:30:00Z"}`)
	fcs, code, body := openStream(t, s.ts.URL, "/api/spaces/failedcheckins/stream?after=0", "masked")
	if code != 200 {
		t.Fatalf("failed check-in stream as masked = %d %s", code, body)
	}
	evs := fcs.until(t, unknown, 5*time.Second)
	all := ""
	for _, ev := range evs {
		all += ev.data + "\n"
	}
	if len(evs) != 2 || !strings.Contains(all, `"CoworkerFullName":"B. O."`) || !strings.Contains(all, `"MacAddresses":"**:**:**:**:ee:ff"`) ||
		strings.Contains(all, "Okafor") || strings.Contains(all, "aa:bb") {
		t.Errorf("failed check-in stream as masked (records %d, %d) carried %s", refusal, unknown, all)
	}
	cks, code, body := openStream(t, s.ts.URL, "/api/spaces/checkins/stream?after=0", "masked")
	if code != 200 {
		t.Fatalf("check-in stream as masked = %d %s", code, body)
	}
	evs = cks.until(t, checkin, 5*time.Second)
	if len(evs) != 1 || !strings.Contains(evs[0].data, `"CoworkerFullName":"A. S."`) || !strings.Contains(evs[0].data, `"MacAddresses":"**:**:**:**:19:0b"`) ||
		!strings.Contains(evs[0].data, `"TeamsAtTheTimeOfCheckin":""`) || strings.Contains(evs[0].data, "Silva") || strings.Contains(evs[0].data, "Atlas") {
		t.Errorf("check-in stream as masked carried %+v", evs)
	}
	if _, body := s.get(t, "/api/spaces/checkins/"+strconv.FormatInt(checkin, 10)); !strings.Contains(body, "Ana Silva") || !strings.Contains(body, "Atlas") {
		t.Errorf("the administrator's check-in = %s; want the unmasked values", body)
	}
	for _, c := range []struct{ path, param string }{
		{"/api/spaces/checkins?Checkin_Coworker_FullName=an", "Checkin_Coworker_FullName"},
		{"/api/spaces/checkins?orderBy=MacAddresses", "orderBy"},
	} {
		req := authRequest("masked")
		req.URL, _ = url.Parse(s.ts.URL + c.path)
		req.RequestURI = ""
		resp, err := s.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Errors []struct{ PropertyName string }
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 403 || len(body.Errors) != 1 || body.Errors[0].PropertyName != c.param {
			t.Errorf("GET %s as masked = %d %+v; want 403 naming %s", c.path, resp.StatusCode, body, c.param)
		}
	}
	page := func(token string) string {
		req := authRequest(token)
		req.URL, _ = url.Parse(s.ts.URL + "/api/spaces/checkins")
		req.RequestURI = ""
		resp, err := s.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := page("masked"); strings.Contains(got, "Silva") || strings.Contains(got, "Atlas") || !strings.Contains(got, `"A. S."`) {
		t.Errorf("check-in search as masked = %s", got)
	}
	if got := page("ck"); !strings.Contains(got, "Ana Silva") {
		t.Errorf("check-in search unmasked = %s", got)
	}
	evaluate := func(token string) string {
		req, _ := http.NewRequest("POST", s.ts.URL+EvaluatePath, strings.NewReader(refuseAt2))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := evaluate("masked"); strings.Contains(got, "Okafor") || !strings.Contains(got, "B. O.") {
		t.Errorf("dry run as masked = %s; want Ben Okafor as B. O.", got)
	}
	if got := evaluate("admin"); !strings.Contains(got, "Ben Okafor") {
		t.Errorf("dry run as admin = %s; want Ben Okafor named", got)
	}
	for _, path := range []string{"/api/spaces/failedcheckins/stream?FailedCheckin_Coworker_FullName=ben",
		"/api/spaces/checkins/stream?Checkin_MacAddresses=" + url.QueryEscape("19:0b")} {
		if _, code, body := openStream(t, s.ts.URL, path, "masked"); code != 403 || !strings.Contains(body, "_") {
			t.Errorf("%s as masked = %d %s; want 403 naming the parameter", path, code, body)
		}
	}
}

// TestMaskedEvaluation: the dry run's texts name the coworker by initials
// for a masked user.
func TestMaskedEvaluation(t *testing.T) {
	e := &fc.Evaluation{Verdict: &fc.Verdict{Reason: "NoPlan", Description: "Ana Silva has no plan",
		Coworker: &fc.Coworker{ID: 10, FullName: "Ana Silva", Teams: []string{"Atlas"}}},
		Checks: []fc.Check{{Rule: "NoPlan", Detail: "Ana Silva has no plan (TariffId is null)"}}, Fixes: []string{"Give Ana Silva a plan (TariffId)"}}
	(&fc.Caller{MaskPersonalData: true}).MaskEvaluation(e)
	j, _ := json.Marshal(toEvaluationJSON(e))
	if strings.Contains(string(j), "Silva") || !strings.Contains(string(j), "Give A. S. a plan") {
		t.Errorf("masked evaluation = %s", j)
	}
}

// TestMaskedWebhooks: a masked user may not create a webhook nor change
// anything of one but Active (403 with the reason, nothing saved), may
// still turn one off and on and redeliver, and reads every webhook's
// Filter with the values of personal parameters as ***, in get, list,
// the edit's answer and the delete's; the administrator reads it whole.
func TestMaskedWebhooks(t *testing.T) {
	e := newHookEnv(t, false)
	filter := "FailedCheckin_Coworker_FullName=Ana%20Silva&FailedCheckin_Source=2&failedcheckin_macaddresses=19:0b"
	redacted := "FailedCheckin_Coworker_FullName=***&FailedCheckin_Source=2&failedcheckin_macaddresses=***"
	v := e.create(t, "admin", `{"Name": "Ops", "Action": 63, "URL": "https://93.184.216.34/hook", "Filter": "`+filter+`"}`)
	id := fmt.Sprint(v["Id"])
	for _, c := range []struct{ method, body string }{
		{"POST", `{"Name": "Mine", "Action": 63, "URL": "https://93.184.216.34/mine"}`},
		{"PUT", `{"Id": ` + id + `, "URL": "https://93.184.216.34/mine"}`},
		{"PUT", `{"Id": ` + id + `, "Filter": "FailedCheckin_Coworker_FullName=a"}`},
		{"PUT", `{"Id": ` + id + `, "Active": true, "Secret": ""}`},
	} {
		w := send(t, e.h, c.method, "/api/sys/webhooks", "masked", c.body)
		if w.Code != 403 || !strings.Contains(w.Body.String(), fc.MaskedWebhookMessage) {
			t.Errorf("%s %s as masked = %d %s; want 403 saying why", c.method, c.body, w.Code, w.Body)
		}
	}
	if got := e.hook(t, id); got["URL"] != "https://93.184.216.34/hook" || got["Filter"] != filter {
		t.Errorf("after the refusals the webhook is %v; want it unchanged", got)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks", "masked", ""); w.Code != 200 || strings.Contains(w.Body.String(), "Silva") ||
		strings.Contains(w.Body.String(), "19:0b") || !strings.Contains(w.Body.String(), `"Filter":"`+redacted+`"`) {
		t.Errorf("list as masked = %d %s; want the Filter %s", w.Code, w.Body, redacted)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks/"+id, "masked", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"Filter":"`+redacted+`"`) {
		t.Errorf("get as masked = %d %s; want the Filter %s", w.Code, w.Body, redacted)
	}
	for _, active := range []string{"false", "true"} {
		w := send(t, e.h, "PUT", "/api/sys/webhooks", "masked", `{"Id": `+id+`, "Active": `+active+`}`)
		if w.Code != 200 || !strings.Contains(w.Body.String(), `"Active":`+active) || !strings.Contains(w.Body.String(), `"Filter":"`+redacted+`"`) {
			t.Errorf("PUT Active=%s as masked = %d %s; want it done, the Filter redacted", active, w.Code, w.Body)
		}
	}
	if w := send(t, e.h, "POST", "/api/sys/webhooks/"+id+"/redeliver", "masked", `{"Status": "Failed"}`); w.Code != 200 {
		t.Errorf("redeliver as masked = %d %s", w.Code, w.Body)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks/"+id, "admin", ""); !strings.Contains(w.Body.String(), `"Filter":"`+filter+`"`) {
		t.Errorf("get as admin = %d %s; want the whole Filter", w.Code, w.Body)
	}
	if w := send(t, e.h, "DELETE", "/api/sys/webhooks/"+id, "masked", ""); w.Code != 200 || strings.Contains(w.Body.String(), "Silva") {
		t.Errorf("delete as masked = %d %s", w.Code, w.Body)
	}
}

// TestMaskedDirectory: GET /api/directory is a 403 for a masked
// administrator (the document is every coworker's personal data) and
// answers the administrator; a masked administrator's import is done and
// answered 204, with nothing of the directory in the answer.
func TestMaskedDirectory(t *testing.T) {
	e := newHookEnv(t, false)
	plain := send(t, e.h, "GET", "/api/directory", "admin", "")
	if plain.Code != 200 || !strings.Contains(plain.Body.String(), `"FullName"`) {
		t.Fatalf("GET /api/directory as admin = %d %.300s", plain.Code, plain.Body)
	}
	w := send(t, e.h, "GET", "/api/directory", "masked", "")
	if w.Code != 403 || strings.Contains(w.Body.String(), "FullName") || !strings.Contains(w.Body.String(), "the directory is personal data") {
		t.Errorf("GET /api/directory as masked = %d %.300s; want 403 saying why", w.Code, w.Body)
	}
	doc := `{"Coworkers": [{"Id": 777001, "FullName": "Imported Person"}]}`
	w = send(t, e.h, "PUT", "/api/directory", "masked", doc)
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("PUT /api/directory as masked = %d %.300s; want 204 and no body", w.Code, w.Body)
	}
	if after := send(t, e.h, "GET", "/api/directory", "admin", ""); !strings.Contains(after.Body.String(), "Imported Person") {
		t.Errorf("the masked administrator's import was not stored: %.300s", after.Body)
	}
}

// TestMaskedAudit: a masked user reads every audit entry's Query with the
// values of personal parameters as *** (they were typed by another
// user), and a filter on Query or an order by it is a 403 naming the
// parameter; the administrator reads the Query as sent and may filter it.
func TestMaskedAudit(t *testing.T) {
	e := newAuditEnv(t)
	sent := "FailedCheckin_Coworker_FullName=Ana%20Silva&FailedCheckin_Source=1&FailedCheckin_MacAddresses=19:0b"
	if w := do(t, e.h, "GET", searchPath+"?"+sent, "admin"); w.Code != 200 {
		t.Fatalf("search = %d %s", w.Code, w.Body)
	}
	e.newEntries(t) // written
	type entries struct{ Records []struct{ Query string } }
	read := func(token, query string) (int, entries, string) {
		w := do(t, e.h, "GET", "/api/audit?"+query, token)
		var out entries
		if w.Code == 200 && json.Unmarshal(w.Body.Bytes(), &out) != nil {
			t.Fatalf("audit = %s", w.Body)
		}
		return w.Code, out, w.Body.String()
	}
	code, plain, body := read("admin", "Audit_Path="+searchPath+"&Audit_Status=200")
	if code != 200 || len(plain.Records) != 1 || plain.Records[0].Query != sent {
		t.Fatalf("audit as admin = %d %s; want the one entry with Query %s", code, body, sent)
	}
	code, masked, body := read("masked", "Audit_Path="+searchPath+"&Audit_Status=200")
	want := "FailedCheckin_Coworker_FullName=***&FailedCheckin_Source=1&FailedCheckin_MacAddresses=***"
	if code != 200 || len(masked.Records) != 1 || masked.Records[0].Query != want || strings.Contains(body, "Silva") {
		t.Errorf("audit as masked = %d %s; want the Query %s", code, body, want)
	}
	for query, param := range map[string]string{"Audit_Query=Ana": "Audit_Query", "audit_query=a": "audit_query", "orderBy=Query": "orderBy"} {
		code, _, body := read("masked", query)
		var out struct {
			Errors []struct{ PropertyName string }
		}
		if code != 403 || json.Unmarshal([]byte(body), &out) != nil || len(out.Errors) != 1 || out.Errors[0].PropertyName != param {
			t.Errorf("audit ?%s as masked = %d %s; want 403 naming %s", query, code, body, param)
		}
		if code, _, body := read("admin", query); code != 200 {
			t.Errorf("audit ?%s as admin = %d %s", query, code, body)
		}
	}
}

// TestMaskedAlerts: a masked user reads an incident's Key with its MAC
// addresses masked (its CoworkerId, not a masked field, stays) and every
// rule's Filter redacted, may not sort rules by Filter, and may not
// create a rule or edit one beyond turning it on or off (a rule grouping
// by MacAddresses with Threshold 1 would list whole MAC addresses; a
// Filter would probe masked values). The administrator sees it all.
func TestMaskedAlerts(t *testing.T) {
	e := newHookEnv(t, false)
	filter := "FailedCheckin_Coworker_FullName=Ana%20Silva&FailedCheckin_Source=2"
	redacted := "FailedCheckin_Coworker_FullName=***&FailedCheckin_Source=2"
	probe := e.rule(t, "admin", `{"Name": "probe", "GroupBy": ["CoworkerId"], "Threshold": 5, "WindowMinutes": 10, "Filter": "`+filter+`"}`)
	e.rule(t, "admin", `{"Name": "macs", "GroupBy": ["CoworkerId", "MacAddresses"], "Threshold": 1, "WindowMinutes": 10}`)
	e.attempt(t, `{"BusinessId": 1, "Source": 2, "MacAddresses": "de:ad:be:ef:19:0b"}`)
	whole, masked := `"Key":{"CoworkerId":null,"MacAddresses":"de:ad:be:ef:19:0b"}`, `"Key":{"CoworkerId":null,"MacAddresses":"**:**:**:**:19:0b"}`
	list := send(t, e.h, "GET", "/api/alerts/incidents", "masked", "")
	if list.Code != 200 || !strings.Contains(list.Body.String(), masked) || strings.Contains(list.Body.String(), "de:ad:be:ef") {
		t.Fatalf("incidents as masked = %d %s; want %s", list.Code, list.Body, masked)
	}
	var page struct{ Records []struct{ Id int64 } }
	if err := json.Unmarshal(list.Body.Bytes(), &page); err != nil || len(page.Records) != 1 {
		t.Fatalf("incidents = %s, %v", list.Body, err)
	}
	incident := "/api/alerts/incidents/" + strconv.FormatInt(page.Records[0].Id, 10)
	if w := send(t, e.h, "GET", incident, "masked", ""); w.Code != 200 || !strings.Contains(w.Body.String(), masked) {
		t.Errorf("incident as masked = %d %s; want %s", w.Code, w.Body, masked)
	}
	if w := send(t, e.h, "POST", incident+"/acknowledge", "masked", ""); w.Code != 200 || !strings.Contains(w.Body.String(), masked) {
		t.Errorf("acknowledge as masked = %d %s; want %s", w.Code, w.Body, masked)
	}
	if w := send(t, e.h, "GET", incident, "admin", ""); !strings.Contains(w.Body.String(), whole) {
		t.Errorf("incident as admin = %d %s; want %s", w.Code, w.Body, whole)
	}
	id := fmt.Sprint(probe["Id"])
	for _, path := range []string{"/api/alerts/rules", "/api/alerts/rules/" + id} {
		if w := send(t, e.h, "GET", path, "masked", ""); w.Code != 200 || strings.Contains(w.Body.String(), "Silva") ||
			!strings.Contains(w.Body.String(), `"Filter":"`+redacted+`"`) {
			t.Errorf("GET %s as masked = %d %s; want the Filter %s", path, w.Code, w.Body, redacted)
		}
	}
	if w := send(t, e.h, "GET", "/api/alerts/rules?orderBy=Filter", "masked", ""); w.Code != 403 || !strings.Contains(w.Body.String(), "orderBy") {
		t.Errorf("rules by Filter as masked = %d %s; want a 403 naming orderBy", w.Code, w.Body)
	}
	if w := send(t, e.h, "GET", "/api/alerts/rules/"+id, "admin", ""); !strings.Contains(w.Body.String(), `"Filter":"`+filter+`"`) {
		t.Errorf("rule as admin = %d %s; want the whole Filter", w.Code, w.Body)
	}
	for _, c := range []struct{ method, body string }{
		{"POST", `{"Name": "mine", "GroupBy": ["MacAddresses"], "Threshold": 1, "WindowMinutes": 10}`},
		{"PUT", `{"Id": ` + id + `, "Filter": "FailedCheckin_Coworker_FullName=a"}`},
		{"PUT", `{"Id": ` + id + `, "Active": false, "Threshold": 1}`},
	} {
		w := send(t, e.h, c.method, "/api/alerts/rules", "masked", c.body)
		if w.Code != 403 || !strings.Contains(w.Body.String(), fc.MaskedAlertRuleMessage) {
			t.Errorf("%s %s as masked = %d %s; want 403 saying why", c.method, c.body, w.Code, w.Body)
		}
	}
	if w := send(t, e.h, "GET", "/api/alerts/rules/"+id, "admin", ""); !strings.Contains(w.Body.String(), `"Filter":"`+filter+`"`) ||
		!strings.Contains(w.Body.String(), `"Threshold":5`) || !strings.Contains(w.Body.String(), `"Active":true`) {
		t.Errorf("after the refusals the rule is %s; want it unchanged", w.Body)
	}
	if w := send(t, e.h, "GET", "/api/alerts/rules?size=10", "admin", ""); strings.Count(w.Body.String(), `"Name":"mine"`) != 0 {
		t.Errorf("a masked user's rule was created: %s", w.Body)
	}
	w := send(t, e.h, "PUT", "/api/alerts/rules", "masked", `{"Id": `+id+`, "Active": false}`)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"Active":false`) || !strings.Contains(w.Body.String(), `"Filter":"`+redacted+`"`) {
		t.Errorf("PUT Active as masked = %d %s; want it done, the Filter redacted", w.Code, w.Body)
	}
}
