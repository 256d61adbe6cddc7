package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/groupcommit"
	"github.com/failedcheckins/failedcheckins/retention"
	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/failedcheckins/failedcheckins/storetest/teststore"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// hookAuth: "admin" is a full administrator; "loc1" and "loc2" manage
// webhooks and read records of location 1 or 2 only; "door" records
// check-ins anywhere; "viewer" may only list webhooks; "masked" is a
// full administrator who sees personal data masked.
type hookAuth struct{}

func (hookAuth) Authenticate(r *http.Request) (*fc.Caller, error) {
	all := []string{fc.RoleWebhookList, fc.RoleWebhookRead, fc.RoleWebhookCreate, fc.RoleWebhookEdit, fc.RoleWebhookDelete,
		fc.RoleFailedCheckinRead, fc.RoleFailedCheckinList, fc.RoleCheckinRead,
		fc.RoleAlertRuleList, fc.RoleAlertRuleRead, fc.RoleAlertRuleCreate, fc.RoleAlertRuleEdit, fc.RoleAlertRuleDelete,
		fc.RoleAlertIncidentList, fc.RoleAlertIncidentRead, fc.RoleAlertIncidentEdit}
	switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
	case "":
		return nil, nil
	case "admin":
		return &fc.Caller{UserID: 1, Email: "admin@example.com", Admin: true, Scope: fc.AllBusinesses()}, nil
	case "loc1":
		return &fc.Caller{UserID: 2, Email: "one@example.com", Roles: all, Scope: fc.BusinessScope(1)}, nil
	case "loc2":
		return &fc.Caller{UserID: 3, Roles: all, Scope: fc.BusinessScope(2)}, nil
	case "door":
		return &fc.Caller{UserID: 4, Roles: []string{fc.RoleCheckinCreate}, Scope: fc.AllBusinesses()}, nil
	case "viewer":
		return &fc.Caller{UserID: 5, Roles: []string{fc.RoleWebhookList}, Scope: fc.AllBusinesses()}, nil
	case "masked":
		return &fc.Caller{UserID: 6, Email: "masked@example.com", Admin: true, Scope: fc.AllBusinesses(), MaskPersonalData: true}, nil
	}
	return nil, fc.Errorf(fc.ErrUnauthorized, "unknown token")
}

// hookBackend is the test store with everything webhooks need.
type hookBackend interface {
	storetest.WebhookBackend
	fc.AlertStore
	fc.AlertEmailStore
	OnWebhookDeliveries(func())
}

// hookEnv is an API server with check-ins and webhooks on the store
// FAILEDCHECKINS_TEST_DB selects, and a dispatcher with a clock the test
// moves.
type hookEnv struct {
	h      http.Handler
	db     hookBackend
	srv    *Server
	disp   *webhook.Dispatcher
	offset atomic.Int64 // the dispatcher's clock runs this far ahead
}

func newHookEnv(t *testing.T, allowPrivate bool) *hookEnv {
	t.Helper()
	db, ok := teststore.Open(t).(hookBackend)
	if !ok {
		t.Fatal("the test store has no webhooks")
	}
	storetest.ImportTestDirectory(t, db)
	q := groupcommit.New(db, groupcommit.Options{})
	t.Cleanup(q.Close)
	e := &hookEnv{db: db}
	e.srv = New(Config{Store: db, Authenticator: hookAuth{}, Checkins: &CheckinConfig{Store: db, Directory: db, Attempts: q},
		Webhooks: &WebhookConfig{Store: db, AllowPrivate: allowPrivate}, Alerts: &AlertConfig{Store: db, Webhooks: db}})
	e.h = e.srv.Handler()
	e.disp = webhook.New(webhook.Config{Store: db, Render: e.srv.RenderDelivery, RenderAll: e.srv.RenderDeliveries, AllowPrivate: allowPrivate,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }, Jitter: func() float64 { return 0.5 }})
	return e
}

// advance moves the dispatcher's clock.
func (e *hookEnv) advance(d time.Duration) { e.offset.Add(int64(d)) }

// run makes one dispatcher round and returns the attempts it made.
func (e *hookEnv) run(t *testing.T) int {
	t.Helper()
	n, err := e.disp.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func (e *hookEnv) create(t *testing.T, token, body string) map[string]any {
	t.Helper()
	w := send(t, e.h, "POST", "/api/sys/webhooks", token, body)
	if w.Code != 200 {
		t.Fatalf("POST %s = %d %s", body, w.Code, w.Body)
	}
	var out struct{ Value map[string]any }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Value
}

func (e *hookEnv) hook(t *testing.T, id any) map[string]any {
	t.Helper()
	w := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v", id), "admin", "")
	var out map[string]any
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &out) != nil {
		t.Fatalf("GET webhook %v = %d %s", id, w.Code, w.Body)
	}
	return out
}

// attempt records a check-in attempt and returns the answer's Value.
func (e *hookEnv) attempt(t *testing.T, body string) string {
	t.Helper()
	w := send(t, e.h, "POST", "/api/spaces/checkins", "door", body)
	if w.Code != 200 {
		t.Fatalf("attempt %s = %d %s", body, w.Code, w.Body)
	}
	return w.Body.String()
}

func (e *hookEnv) refuse(t *testing.T, business int) int64 {
	t.Helper()
	body := e.attempt(t, fmt.Sprintf(`{"BusinessId": %d, "Source": 2, "CoworkerId": 999}`, business))
	var out struct {
		Value struct{ FailedCheckinID int64 }
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.Value.FailedCheckinID == 0 {
		t.Fatalf("refusal = %s", body)
	}
	return out.Value.FailedCheckinID
}

func TestWebhookCRUD(t *testing.T) {
	e := newHookEnv(t, false)
	v := e.create(t, "admin", `{"Name": "Ops", "Action": 63, "URL": "https://93.184.216.34/hook", "Filter": "FailedCheckin_Source=2"}`)
	secret, _ := v["Secret"].(string)
	if v["BusinessId"] != nil || v["Active"] != true || v["ErrorCount"].(float64) != 0 || !strings.HasPrefix(secret, "whsec_") ||
		len(secret) != len("whsec_")+44 || v["UpdatedBy"] != "admin@example.com" {
		t.Errorf("created = %v", v)
	}
	id := v["Id"]
	got := e.hook(t, id)
	if _, has := got["Secret"]; has || got["Name"] != "Ops" || got["Filter"] != "FailedCheckin_Source=2" {
		t.Errorf("GET = %v; want no Secret", got)
	}
	// PUT replaces the fields given, keeps the others; an empty Secret
	// rotates it, and the answer shows the new one once.
	w := send(t, e.h, "PUT", "/api/sys/webhooks", "admin", fmt.Sprintf(`{"Id": %v, "name": "Ops 2", "Active": false, "Secret": ""}`, id))
	var put struct{ Value map[string]any }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &put) != nil || put.Value["Name"] != "Ops 2" || put.Value["Active"] != false ||
		put.Value["URL"] != "https://93.184.216.34/hook" || put.Value["Secret"] == secret || put.Value["Secret"] == nil {
		t.Errorf("PUT = %d %s", w.Code, w.Body)
	}
	e.create(t, "admin", `{"Name": "Two", "Action": 47, "URL": "https://93.184.216.34/two", "BusinessId": 2}`)
	for target, want := range map[string]string{
		"/api/sys/webhooks?orderBy=Name&dir=asc":              `"TotalItems":2`,
		"/api/sys/webhooks?WEBHOOK_ACTION=47":                 `"Name":"Two"`,
		"/api/sys/webhooks?WebHook_Active=false":              `"Name":"Ops 2"`,
		"/api/sys/webhooks?WebHook_Business=null":             `"TotalItems":1`,
		"/api/sys/webhooks?WebHook_Name=two&WebHook_URL=/two": `"TotalItems":1`,
	} {
		if w := send(t, e.h, "GET", target, "viewer", ""); w.Code != 200 || !strings.Contains(w.Body.String(), want) || strings.Contains(w.Body.String(), "whsec_") {
			t.Errorf("GET %s = %d %s; want %s and no secret", target, w.Code, w.Body, want)
		}
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks?WebHook_Color=red", "admin", ""); w.Code != 400 || !strings.Contains(w.Body.String(), "WebHook_Color") {
		t.Errorf("unknown filter = %d %s", w.Code, w.Body)
	}
	if w := send(t, e.h, "POST", "/api/sys/webhooks", "viewer", `{"Name": "x", "Action": 63, "URL": "https://93.184.216.34/"}`); w.Code != 403 {
		t.Errorf("POST without WebHook-Create = %d", w.Code)
	}
	if w := send(t, e.h, "DELETE", fmt.Sprintf("/api/sys/webhooks/%v", id), "admin", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"WasSuccessful":true`) {
		t.Errorf("DELETE = %d %s", w.Code, w.Body)
	}
	if w := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v", id), "admin", ""); w.Code != 404 {
		t.Errorf("GET after DELETE = %d", w.Code)
	}
}

// TestWebhookValidation: every bad field is named in one 400, the filter
// gets search's own messages, and nothing is stored.
func TestWebhookValidation(t *testing.T) {
	e := newHookEnv(t, false)
	bad := func(token, body string, fields ...string) {
		t.Helper()
		w := send(t, e.h, "POST", "/api/sys/webhooks", token, body)
		var out struct {
			Errors []struct{ PropertyName string }
		}
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		var names []string
		for _, fe := range out.Errors {
			names = append(names, fe.PropertyName)
		}
		if w.Code != 400 || strings.Join(names, ",") != strings.Join(fields, ",") {
			t.Errorf("POST %s = %d %s; want 400 naming %v", body, w.Code, w.Body, fields)
		}
	}
	bad("admin", `{"Action": 64, "URL": "ftp://x", "Name": ""}`, "Name", "Action", "URL")
	bad("admin", `{"Name": "`+strings.Repeat("n", 201)+`", "Action": 63, "URL": "https://93.184.216.34/"}`, "Name")
	bad("admin", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "Secret": "hunter2"}`, "Secret")
	bad("admin", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "Secret": "whsec_"}`, "Secret") // an empty key
	bad("admin", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "Filter": "FailedCheckin_Source=9&page=2&Checkin_Coworker=1"}`, "Filter", "Filter", "Filter")
	bad("admin", `{"Name": "n", "Action": 47, "URL": "https://93.184.216.34/", "Filter": "FailedCheckin_Source=2"}`, "Filter")
	bad("loc1", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/"}`, "BusinessId")
	bad("loc1", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "BusinessId": 2}`, "BusinessId")
	bad("admin", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "BusinessId": 0}`, "BusinessId")
	// The filter's message is search's.
	w := send(t, e.h, "POST", "/api/sys/webhooks", "admin", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "Filter": "FailedCheckin_Source=9"}`)
	var msg struct {
		Errors []struct{ PropertyName, Message string }
	}
	_ = json.Unmarshal(w.Body.Bytes(), &msg)
	if len(msg.Errors) != 1 || msg.Errors[0].Message != "FailedCheckin_Source: "+searchMessage(t, e) {
		t.Errorf("filter 400 = %s; want search's message", w.Body)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks", "admin", ""); !strings.Contains(w.Body.String(), `"TotalItems":0`) {
		t.Errorf("after 400s: %s; want nothing stored", w.Body)
	}
	// An edit with a bad field changes nothing either.
	v := e.create(t, "loc1", `{"Name": "n", "Action": 63, "URL": "https://93.184.216.34/", "BusinessId": 1}`)
	w = send(t, e.h, "PUT", "/api/sys/webhooks", "loc1", fmt.Sprintf(`{"Id": %v, "Name": "changed", "BusinessId": 2}`, v["Id"]))
	if w.Code != 400 || e.hook(t, v["Id"])["Name"] != "n" {
		t.Errorf("bad PUT = %d %s; want 400 and no change", w.Code, w.Body)
	}
}

func searchMessage(t *testing.T, e *hookEnv) string {
	t.Helper()
	w := send(t, e.h, "GET", "/api/spaces/failedcheckins?FailedCheckin_Source=9", "admin", "")
	var out struct {
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
		t.Fatalf("search 400 = %s", w.Body)
	}
	return out.Errors[0].Message
}

// TestWebhookScope: a user bound to locations sees and changes only
// their webhooks: another location's, or one of every location, is a 404.
func TestWebhookScope(t *testing.T) {
	e := newHookEnv(t, false)
	mine := e.create(t, "loc1", `{"Name": "mine", "Action": 63, "URL": "https://93.184.216.34/", "BusinessId": 1}`)
	all := e.create(t, "admin", `{"Name": "all", "Action": 63, "URL": "https://93.184.216.34/"}`)
	for _, id := range []any{mine["Id"], all["Id"]} {
		target := fmt.Sprintf("/api/sys/webhooks/%v", id)
		if w := send(t, e.h, "GET", target, "loc2", ""); w.Code != 404 {
			t.Errorf("loc2 GET %s = %d", target, w.Code)
		}
		if w := send(t, e.h, "PUT", "/api/sys/webhooks", "loc2", fmt.Sprintf(`{"Id": %v, "Name": "x"}`, id)); w.Code != 404 {
			t.Errorf("loc2 PUT %v = %d", id, w.Code)
		}
		if w := send(t, e.h, "DELETE", target, "loc2", ""); w.Code != 404 {
			t.Errorf("loc2 DELETE %s = %d", target, w.Code)
		}
		if w := send(t, e.h, "GET", target+"/deliveries", "loc2", ""); w.Code != 404 {
			t.Errorf("loc2 GET %s/deliveries = %d", target, w.Code)
		}
		if w := send(t, e.h, "POST", target+"/redeliver", "loc2", `{"Status": "Failed"}`); w.Code != 404 {
			t.Errorf("loc2 redeliver %s = %d", target, w.Code)
		}
	}
	if w := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v", all["Id"]), "loc1", ""); w.Code != 404 {
		t.Errorf("loc1 reads a webhook of every location: %d", w.Code)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks", "loc1", ""); !strings.Contains(w.Body.String(), `"TotalItems":1,`) {
		t.Errorf("loc1 list = %s; want only its own", w.Body)
	}
	if w := send(t, e.h, "GET", "/api/sys/webhooks", "loc2", ""); !strings.Contains(w.Body.String(), `"TotalItems":0,`) {
		t.Errorf("loc2 list = %s; want none", w.Body)
	}
}

// TestWebhookPrivateURL: the guard's 400s at save time.
func TestWebhookPrivateURL(t *testing.T) {
	e := newHookEnv(t, false)
	for _, u := range []string{"http://127.0.0.1/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
		"http://[::ffff:192.168.1.1]/", "http://localhost:8080/", "http://0.0.0.0/"} {
		w := send(t, e.h, "POST", "/api/sys/webhooks", "admin", fmt.Sprintf(`{"Name": "n", "Action": 63, "URL": %q}`, u))
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"PropertyName":"URL"`) {
			t.Errorf("URL %s = %d %s; want 400 naming URL", u, w.Code, w.Body)
		}
	}
	allowed := newHookEnv(t, true)
	allowed.create(t, "admin", `{"Name": "n", "Action": 63, "URL": "http://127.0.0.1:9/"}`)
}

// receiver is a webhook receiver: it checks both signatures of every
// request and answers what the test says.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	got    []delivered
	status atomic.Int32
}

type delivered struct {
	id, timestamp string
	body          []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	secret := rc.secret
	rc.mu.Unlock()
	if got, want := r.Header.Get("X-Nexudus-Hook-Signature"), webhookNexudus(secret, body); got != want {
		rc.t.Errorf("X-Nexudus-Hook-Signature = %q; want %q", got, want)
	}
	sw, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		rc.t.Errorf("secret %q: %v", secret, err)
	} else if err := sw.VerifyIgnoringTimestamp(body, r.Header); err != nil {
		rc.t.Errorf("Standard Webhooks signature: %v", err)
	}
	if id := r.Header.Get("webhook-id"); id == "" || strings.Contains(id, ".") || r.Header.Get("Content-Type") != "application/json" {
		rc.t.Errorf("headers %v", r.Header)
	}
	rc.mu.Lock()
	rc.got = append(rc.got, delivered{r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), body})
	rc.mu.Unlock()
	code := int(rc.status.Load())
	if code == 0 {
		code = 200
	}
	w.WriteHeader(code)
}

// webhookNexudus computes the Nexudus signature independently of
// package webhook.
func webhookNexudus(secret string, body []byte) string {
	return webhook.NexudusSignature(secret, body)
}

func (rc *receiver) take() []delivered {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := rc.got
	rc.got = nil
	return out
}

// TestWebhookDelivery: records reach their receivers signed, with the
// body get-one answers; a failure is retried on the schedule (a clock,
// not a wait) with the same webhook-id; ten consecutive failures turn the
// webhook off, re-enabling it sends what waited, and a 410 turns it off at
// once. A webhook of location 1 never carries location 2's record.
func TestWebhookDelivery(t *testing.T) {
	e := newHookEnv(t, true)
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	loc1 := e.create(t, "loc1", fmt.Sprintf(`{"Name": "loc1", "Action": 63, "URL": %q, "BusinessId": 1}`, srv.URL+"/fc"))
	rc.secret = loc1["Secret"].(string)
	id := loc1["Id"]

	f1 := e.refuse(t, 1)
	e.refuse(t, 2) // another location: never sent to loc1's webhook
	e.attempt(t, `{"BusinessId": 1, "Source": 2, "CoworkerId": 10}`)
	if n := e.run(t); n != 1 {
		t.Fatalf("attempts = %d; want 1 (location 1's refusal only)", n)
	}
	got := rc.take()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	one := send(t, e.h, "GET", fmt.Sprintf("/api/spaces/failedcheckins/%d", f1), "admin", "")
	if want := "[" + strings.TrimSuffix(one.Body.String(), "\n") + "]"; string(got[0].body) != want {
		t.Errorf("body = %s\nwant %s", got[0].body, want)
	}
	if w := e.hook(t, id); w["LastTrigger"] == nil || w["ErrorCount"].(float64) != 0 {
		t.Errorf("after a delivery: %v", w)
	}

	// 500, then 200 on the retry 5 s later (plus jitter), same webhook-id.
	rc.status.Store(500)
	f2 := e.refuse(t, 1)
	e.run(t)
	first := rc.take()
	w := e.hook(t, id)
	if len(first) != 1 || w["ErrorCount"].(float64) != 1 || w["LastError"] != "HTTP 500" {
		t.Fatalf("after a 500: %d received, webhook %v", len(first), w)
	}
	if n := e.run(t); n != 0 {
		t.Errorf("retried before the schedule: %d", n)
	}
	rc.status.Store(200)
	e.advance(5*time.Second + 300*time.Millisecond)
	if n := e.run(t); n != 1 {
		t.Fatalf("retry after 5.3 s: %d attempts", n)
	}
	second := rc.take()
	if len(second) != 1 || second[0].id != first[0].id {
		t.Errorf("retry webhook-id %v; first %v", second, first)
	}
	log := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v/deliveries", id), "loc1", "")
	if !strings.Contains(log.Body.String(), fmt.Sprintf(`"RecordId":%d,"EventId":%q,"Status":"Delivered","Attempts":2,"LastStatusCode":200`, f2, first[0].id)) {
		t.Errorf("delivery log = %s", log.Body)
	}

	// Ten consecutive failures turn it off; what is pending waits.
	rc.status.Store(503)
	for range fc.WebhookDisableAfter {
		e.refuse(t, 1)
	}
	e.run(t)
	rc.take()
	w = e.hook(t, id)
	if w["Active"] != false || !strings.Contains(w["LastError"].(string), "10 consecutive") {
		t.Fatalf("after 10 failures: %v", w)
	}
	e.advance(time.Hour)
	if n := e.run(t); n != 0 {
		t.Errorf("a disabled webhook was attempted %d times", n)
	}
	// Re-enabled, it sends what waited.
	rc.status.Store(200)
	if w := send(t, e.h, "PUT", "/api/sys/webhooks", "loc1", fmt.Sprintf(`{"Id": %v, "Active": true}`, id)); w.Code != 200 {
		t.Fatalf("re-enable = %d %s", w.Code, w.Body)
	}
	e.run(t)
	if got := rc.take(); len(got) != fc.WebhookDisableAfter {
		t.Errorf("after re-enabling received %d; want %d", len(got), fc.WebhookDisableAfter)
	}
	// A 410 turns it off at once.
	rc.status.Store(410)
	e.refuse(t, 1)
	e.run(t)
	if w := e.hook(t, id); w["Active"] != false || w["ErrorCount"].(float64) != 1 {
		t.Errorf("after a 410: %v", w)
	}
	// Redeliver: the failed-for-good and the pending are queued again.
	rc.status.Store(200)
	send(t, e.h, "PUT", "/api/sys/webhooks", "loc1", fmt.Sprintf(`{"Id": %v, "Active": true}`, id))
	e.run(t)
	rc.take()
	all := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v/deliveries?size=1", id), "loc1", "")
	var page struct {
		Records []struct {
			ID int64 `json:"Id"`
		}
		TotalItems int64
	}
	if err := json.Unmarshal(all.Body.Bytes(), &page); err != nil || page.TotalItems != 13 || len(page.Records) != 1 {
		t.Fatalf("log = %s", all.Body)
	}
	r := send(t, e.h, "POST", fmt.Sprintf("/api/sys/webhooks/%v/redeliver", id), "loc1", fmt.Sprintf(`{"Ids": [%d]}`, page.Records[0].ID))
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"Count":1`) {
		t.Errorf("redeliver = %d %s", r.Code, r.Body)
	}
	e.run(t)
	if got := rc.take(); len(got) != 1 {
		t.Errorf("after redeliver received %d; want 1", len(got))
	}
	if r := send(t, e.h, "POST", fmt.Sprintf("/api/sys/webhooks/%v/redeliver", id), "loc1", `{"Status": "Lost"}`); r.Code != 400 {
		t.Errorf("redeliver Status Lost = %d", r.Code)
	}
	// Moved to location 2, the webhook never carries location 1's
	// records again, not even by a redelivery of an earlier delivery:
	// the record is read within the webhook's location when it is sent.
	if w := send(t, e.h, "PUT", "/api/sys/webhooks", "admin", fmt.Sprintf(`{"Id": %v, "BusinessId": 2}`, id)); w.Code != 200 {
		t.Fatalf("move to location 2 = %d %s", w.Code, w.Body)
	}
	r = send(t, e.h, "POST", fmt.Sprintf("/api/sys/webhooks/%v/redeliver", id), "admin", fmt.Sprintf(`{"Ids": [%d]}`, page.Records[0].ID))
	if r.Code != 200 || !strings.Contains(r.Body.String(), `"Count":1`) {
		t.Fatalf("redeliver after the move = %d %s", r.Code, r.Body)
	}
	e.run(t)
	if got := rc.take(); len(got) != 0 {
		t.Errorf("after the move to location 2, location 1's record was sent %d times: %s", len(got), got[0].body)
	}
}

// TestWebhookRecordGoneIsNotAFailure: a record deleted before its
// delivery was sent is not sent, and that is no failure of the receiver:
// the delivery ends Failed with a LastError that says so and no attempt
// counted, while the webhook's ErrorCount, LastError and Active stay as
// they were, even for more deleted records than it takes to disable it.
func TestWebhookRecordGoneIsNotAFailure(t *testing.T) {
	e := newHookEnv(t, true)
	deleter, ok := e.db.(interface {
		DeleteFailedCheckins(ctx context.Context, ids []int64) (int, error)
	})
	if !ok {
		t.Fatal("the test store cannot delete records")
	}
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	hook := e.create(t, "loc1", fmt.Sprintf(`{"Name": "gone", "Action": 63, "URL": %q, "BusinessId": 1}`, srv.URL))
	rc.secret = hook["Secret"].(string)
	id := hook["Id"]

	// One real failure first, so that the count has something to keep.
	rc.status.Store(500)
	e.refuse(t, 1)
	if n := e.run(t); n != 1 {
		t.Fatalf("attempts = %d; want 1", n)
	}
	rc.take()
	rc.status.Store(200)
	before := e.hook(t, id)
	if before["ErrorCount"].(float64) != 1 || before["LastError"] != "HTTP 500" {
		t.Fatalf("after a 500: %v", before)
	}

	var gone []int64
	for range fc.WebhookDisableAfter + 1 {
		gone = append(gone, e.refuse(t, 1))
	}
	if n, err := deleter.DeleteFailedCheckins(context.Background(), gone); err != nil || n != len(gone) {
		t.Fatalf("DeleteFailedCheckins = %d, %v", n, err)
	}
	e.run(t)
	if got := rc.take(); len(got) != 0 {
		t.Errorf("deleted records were sent %d times", len(got))
	}
	after := e.hook(t, id)
	if after["Active"] != true || after["ErrorCount"] != before["ErrorCount"] || after["LastError"] != before["LastError"] ||
		after["LastTrigger"] != before["LastTrigger"] {
		t.Errorf("deleted records changed the webhook:\nbefore %v\nafter  %v", before, after)
	}
	page, err := e.db.FindWebhookDeliveries(context.Background(), fc.AllBusinesses(), int64(id.(float64)), 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	notSent := 0
	for _, d := range page.Records {
		if !slices.Contains(gone, d.RecordID) {
			continue
		}
		notSent++
		if d.Status != fc.DeliveryFailed || d.Attempts != 0 || d.LastError == nil || *d.LastError != webhook.NotSentError ||
			d.NextAttemptOn != nil || d.LastStatusCode != nil {
			t.Errorf("delivery of deleted record %d: %+v", d.RecordID, d)
		}
	}
	if notSent != len(gone) {
		t.Errorf("%d deliveries of deleted records in the log; want %d", notSent, len(gone))
	}
	// The receiver still gets what exists, and a success resets the count.
	e.refuse(t, 1)
	e.advance(time.Hour) // the first refusal's retry is due too
	e.run(t)
	if got := rc.take(); len(got) != 2 {
		t.Errorf("received %d after the deleted ones; want 2", len(got))
	}
	if w := e.hook(t, id); w["ErrorCount"].(float64) != 0 {
		t.Errorf("after a success: %v", w)
	}
}

// TestWebhookOneReadPerRecord: the deliveries of one record that one
// claim takes are rendered with one read, not one per webhook nor one per
// webhook location, and every webhook still gets the record as get-one
// answers it.
func TestWebhookOneReadPerRecord(t *testing.T) {
	e := newHookEnv(t, true)
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	for _, h := range []string{`"Name": "a"`, `"Name": "b"`, `"Name": "loc1", "BusinessId": 1`} {
		e.create(t, "admin", fmt.Sprintf(`{%s, "Action": 63, "URL": %q}`, h, srv.URL))
	}
	var renders atomic.Int32
	e.disp = webhook.New(webhook.Config{Store: e.db, AllowPrivate: true,
		Render: func(ctx context.Context, d *fc.WebhookDelivery) ([]byte, int64, error) {
			renders.Add(1)
			return e.srv.RenderDelivery(ctx, d)
		}})
	f1 := e.refuse(t, 1) // all three webhooks: two locations (every one, and 1)
	if n := e.run(t); n != 3 {
		t.Fatalf("attempts = %d; want 3", n)
	}
	if n := renders.Load(); n != 1 {
		t.Errorf("renders = %d; want 1 (one per record, whatever the webhooks' locations)", n)
	}
	one := send(t, e.h, "GET", fmt.Sprintf("/api/spaces/failedcheckins/%d", f1), "admin", "")
	want := "[" + strings.TrimSuffix(one.Body.String(), "\n") + "]"
	mu.Lock()
	defer mu.Unlock()
	if len(bodies) != 3 {
		t.Fatalf("received %d; want 3", len(bodies))
	}
	for _, b := range bodies {
		if b != want {
			t.Errorf("body = %s\nwant %s", b, want)
		}
	}
}

// tallyReceiver is a webhook receiver that accepts every delivery and
// counts them.
func tallyReceiver(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	received := new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		received.Add(1)
	}))
	t.Cleanup(srv.Close)
	return srv, received
}

// TestWebhookWorkersClaimAsTheyFinish: under Run, the transaction that
// records an attempt claims the next due delivery for its worker
// (FinishAndClaim): with one worker, no wake and an hour's poll, every
// queued delivery is sent one after the other. A dispatcher fed only by
// wakes and polls would send the first and wait an hour.
func TestWebhookWorkersClaimAsTheyFinish(t *testing.T) {
	e := newHookEnv(t, true)
	srv, received := tallyReceiver(t)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	for range 4 {
		e.refuse(t, 1)
	}
	d := webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true, Workers: 1, Poll: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	var done sync.WaitGroup
	done.Go(func() { d.Run(ctx) })
	defer done.Wait()
	defer cancel()
	for deadline := time.Now().Add(10 * time.Second); received.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := received.Load(); n != 4 {
		t.Fatalf("received %d of 4 deliveries with one worker and no wake", n)
	}
}

// TestWebhookRunOnceAfterRun: a dispatcher whose Run has returned makes
// one round again in RunOnce (one claim for its one worker), rather than
// chaining claims as Run's workers do (review finding: chain stayed set).
func TestWebhookRunOnceAfterRun(t *testing.T) {
	e := newHookEnv(t, true)
	srv, received := tallyReceiver(t)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	d := webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true, Workers: 1, Poll: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	d.Run(ctx)
	for range 4 {
		e.refuse(t, 1)
	}
	n, err := d.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || received.Load() != 1 {
		t.Fatalf("RunOnce after Run attempted %d and sent %d; want one round: 1 and 1", n, received.Load())
	}
}

// TestWebhookDeferBounded: while the check-ins are saturated
// (Config.Busy) a due delivery waits, but never longer than Defer: at
// Defer it is sent however busy they stay. Once they are not busy, a
// delivery goes at once. The dispatcher's clock is the test's.
func TestWebhookDeferBounded(t *testing.T) {
	e := newHookEnv(t, true)
	srv, received := tallyReceiver(t)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	var busy atomic.Bool
	busy.Store(true)
	e.disp = webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true,
		Now: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }, Jitter: func() float64 { return 0.5 },
		Busy: busy.Load, Defer: 5 * time.Second})
	e.refuse(t, 1)
	if n := e.run(t); n != 0 {
		t.Fatalf("attempts while busy, at once = %d; want 0", n)
	}
	e.advance(4 * time.Second)
	if n := e.run(t); n != 0 {
		t.Fatalf("attempts while busy, 4 s later = %d; want 0", n)
	}
	e.advance(1100 * time.Millisecond)
	if n := e.run(t); n != 1 || received.Load() != 1 {
		t.Fatalf("attempts while still busy, past the 5 s bound = %d (received %d); want 1: the bound is not kept", n, received.Load())
	}
	e.refuse(t, 1)
	busy.Store(false)
	if n := e.run(t); n != 1 || received.Load() != 2 {
		t.Fatalf("attempts once not busy = %d (received %d); want 1 at once", n, received.Load())
	}
}

// TestWebhookDeferOnlyWhenBehind: while the check-ins are saturated
// (Config.Busy) a dispatcher defers only once the oldest due work has
// waited Config.Behind, as the store says (fc.WebhookStore.OldestDue): a
// refusal is sent at once however busy the check-ins are while nothing
// older waits (PUSH.md's second at 1,000 refusals/s on a loaded machine,
// where the check-ins count as saturated), deferred up to Defer once a
// queued one has waited Behind, at once again after it was sent. A new
// dispatcher (a restart) on the old queue defers at its first claim:
// nothing it keeps in memory starts it at "not behind". It fails at its
// first step with Behind 0 (Busy alone, the rule before). The store's
// clock and the dispatcher's are the test's; Behind and Defer are
// minutes, so that the real time a refusal takes to reach the claim
// (seconds, under -race on a loaded machine) cannot age it past Behind.
func TestWebhookDeferOnlyWhenBehind(t *testing.T) {
	e := newHookEnv(t, true)
	clock := e.sharedClock(t)
	srv, received := tallyReceiver(t)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	busyHooks := func() *webhook.Dispatcher {
		return webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true, Now: clock,
			Jitter: func() float64 { return 0.5 }, Busy: func() bool { return true }, Defer: 5 * time.Minute, Behind: time.Minute})
	}
	e.disp = busyHooks()
	e.refuse(t, 1)
	if n := e.run(t); n != 1 || received.Load() != 1 {
		t.Fatalf("attempts while busy, nothing older waiting = %d (received %d); want 1 at once", n, received.Load())
	}
	e.refuse(t, 1)
	e.refuse(t, 1)
	e.advance(90 * time.Second)
	if n := e.run(t); n != 0 {
		t.Fatalf("attempts while busy, the oldest queued 90 s ago (Behind 1 min) = %d; want 0: behind, deferred", n)
	}
	e.disp = busyHooks() // a restart
	if n := e.run(t); n != 0 {
		t.Fatalf("attempts of a restarted dispatcher while busy, the oldest queued 90 s ago = %d; want 0", n)
	}
	e.advance(4 * time.Minute)
	if n := e.run(t); n != 2 || received.Load() != 3 {
		t.Fatalf("attempts past the 5 min bound = %d (received %d); want 2", n, received.Load())
	}
	e.advance(webhook.BehindCheck) // the last answer read is used this long
	e.refuse(t, 1)
	if n := e.run(t); n != 1 || received.Load() != 4 {
		t.Fatalf("attempts once caught up = %d (received %d); want 1 at once", n, received.Load())
	}
}

// TestWebhookBehindCountsClaimableDeliveries: "behind" counts a delivery
// made from the outbox and not yet sent (here by the delivery log's
// fan-out), but not the pending deliveries of a webhook turned off, which
// no claim takes: they would otherwise keep every saturated server
// deferring for as long as the webhook stays off.
func TestWebhookBehindCountsClaimableDeliveries(t *testing.T) {
	e := newHookEnv(t, true)
	clock := e.sharedClock(t)
	srv, received := tallyReceiver(t)
	off := e.create(t, "admin", fmt.Sprintf(`{"Name": "off", "Action": 63, "URL": %q}`, srv.URL))
	e.disp = webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true, Now: clock,
		Jitter: func() float64 { return 0.5 }, Busy: func() bool { return true }, Defer: 5 * time.Minute, Behind: time.Minute})
	e.refuse(t, 1)
	if w := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v/deliveries", off["Id"]), "admin", ""); w.Code != 200 ||
		!strings.Contains(w.Body.String(), `"Status":"Pending"`) {
		t.Fatalf("log = %d %s; want the delivery made, pending", w.Code, w.Body)
	}
	e.advance(90 * time.Second)
	if n := e.run(t); n != 0 {
		t.Fatalf("attempts while busy, a delivery due 90 s ago (Behind 1 min) = %d; want 0: behind", n)
	}
	if w := send(t, e.h, "PUT", "/api/sys/webhooks", "admin", fmt.Sprintf(`{"Id": %v, "Active": false}`, off["Id"])); w.Code != 200 {
		t.Fatalf("turn off = %d %s", w.Code, w.Body)
	}
	e.create(t, "admin", fmt.Sprintf(`{"Name": "on", "Action": 63, "URL": %q}`, srv.URL))
	e.advance(webhook.BehindCheck)
	e.refuse(t, 1)
	if n := e.run(t); n != 1 || received.Load() != 1 {
		t.Fatalf("attempts while busy, only a webhook turned off has old deliveries = %d (received %d); want 1 at once", n, received.Load())
	}
}

// sharedClock sets the store's clock to the dispatcher's, which advance
// moves, and returns it: records queued after an advance are young to
// the dispatcher, as they are in real time.
func (e *hookEnv) sharedClock(t *testing.T) func() time.Time {
	t.Helper()
	clock := func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }
	db, ok := e.db.(interface{ SetNow(func() time.Time) })
	if !ok {
		t.Fatalf("store %T has no clock to set", e.db)
	}
	db.SetNow(clock)
	return clock
}

// TestWebhookDeferRun: under Run, deliveries woken while the check-ins
// stay saturated are sent once they have waited Defer (never before: the
// claim's cutoff), not starved; deliveries deferred under a long bound go
// soon after the saturation ends, with no further wake or poll.
func TestWebhookDeferRun(t *testing.T) {
	e := newHookEnv(t, true)
	srv, received := tallyReceiver(t)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	wait := func(n int32, within time.Duration) time.Duration {
		start := time.Now()
		for received.Load() < n && time.Since(start) < within {
			time.Sleep(5 * time.Millisecond)
		}
		return time.Since(start)
	}
	run := func(busy func() bool, bound time.Duration) func() {
		d := webhook.New(webhook.Config{Store: e.db, Render: e.srv.RenderDelivery, AllowPrivate: true, Poll: time.Hour,
			Busy: busy, Defer: bound})
		e.db.OnWebhookDeliveries(d.Wake)
		ctx, cancel := context.WithCancel(context.Background())
		var done sync.WaitGroup
		done.Go(func() { d.Run(ctx) })
		return func() { cancel(); done.Wait() }
	}

	stop := run(func() bool { return true }, 300*time.Millisecond) // busy for ever
	start := time.Now()
	for range 3 {
		e.refuse(t, 1)
	}
	took := wait(3, 10*time.Second)
	if n := received.Load(); n != 3 {
		t.Fatalf("received %d of 3 within 10 s while busy with a 300 ms bound: the dispatcher starves", n)
	}
	if since := time.Since(start); since < 300*time.Millisecond {
		t.Errorf("delivered %v after the refusals while busy; want at least the 300 ms bound", since)
	}
	t.Logf("busy, bound 300 ms: delivered after %v", took)
	stop()

	var busy atomic.Bool
	busy.Store(true)
	stop = run(busy.Load, time.Hour)
	defer stop()
	e.refuse(t, 1)
	time.Sleep(300 * time.Millisecond)
	if n := received.Load(); n != 3 {
		t.Fatalf("received %d; want 3: the fourth was sent while busy, before its bound", n)
	}
	busy.Store(false) // the burst ends: no wake follows, the poll is an hour
	if took := wait(4, 10*time.Second); received.Load() != 4 {
		t.Fatalf("received %d of 4 %v after the burst ended; want the deferred one sent", received.Load(), took)
	}
}

// TestWebhookPrunedDelivery: once the delivery log's retention
// (retention.Windows.WebhookLogRetention, serve --webhook-log-retention)
// has deleted a delivery that ended, the log no longer lists it and a
// redelivery of its id is a 404, not a 200 that queued nothing. The
// runner's clock is moved, not waited for.
func TestWebhookPrunedDelivery(t *testing.T) {
	e := newHookEnv(t, true)
	rc := &receiver{t: t}
	rc.status.Store(200)
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	h := e.create(t, "admin", fmt.Sprintf(`{"Name": "h", "Action": 63, "URL": %q}`, srv.URL))
	rc.secret = h["Secret"].(string)
	e.refuse(t, 1)
	if n := e.run(t); n != 1 {
		t.Fatalf("attempts = %d; want 1", n)
	}
	log := func() (ids []int64) {
		t.Helper()
		w := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v/deliveries", h["Id"]), "admin", "")
		var page struct {
			Records []struct {
				ID int64 `json:"Id"`
			}
		}
		if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil || w.Code != 200 {
			t.Fatalf("log = %d %s", w.Code, w.Body)
		}
		for _, r := range page.Records {
			ids = append(ids, r.ID)
		}
		return ids
	}
	ids := log()
	if len(ids) != 1 {
		t.Fatalf("log = %v; want one delivery", ids)
	}
	ps, ok := e.db.(fc.PrivacyStore)
	if !ok {
		t.Fatalf("%T is not an fc.PrivacyStore", e.db)
	}
	r := &retention.Runner{Store: ps, Windows: retention.Windows{WebhookLogRetention: 30 * retention.Day},
		Now: func() time.Time { return time.Now().Add(31 * retention.Day) }}
	if res, err := r.RunOnce(context.Background()); err != nil || res.DeliveriesDeleted != 1 {
		t.Fatalf("retention = %+v, %v; want 1 delivery deleted", res, err)
	}
	if got := log(); len(got) != 0 {
		t.Errorf("log after the retention = %v; want none", got)
	}
	w := send(t, e.h, "POST", fmt.Sprintf("/api/sys/webhooks/%v/redeliver", h["Id"]), "admin", fmt.Sprintf(`{"Ids": [%d]}`, ids[0]))
	if w.Code != 404 {
		t.Errorf("redeliver of a pruned delivery = %d %s; want 404", w.Code, w.Body)
	}
}

// TestWebhookOneReadPerClaim: with RenderAll (serve's), the records of
// one claim are rendered with one read, each body still the record as
// get-one answers it, and still only to the webhooks whose location
// covers it; a record RenderAll leaves out is rendered by Render alone.
func TestWebhookOneReadPerClaim(t *testing.T) {
	e := newHookEnv(t, true)
	var mu sync.Mutex
	bodies := map[string][]string{} // by webhook-id's webhook: the URL path
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies[r.URL.Path] = append(bodies[r.URL.Path], string(b))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	e.create(t, "admin", fmt.Sprintf(`{"Name": "all", "Action": 63, "URL": %q}`, srv.URL+"/all"))
	e.create(t, "admin", fmt.Sprintf(`{"Name": "loc1", "Action": 63, "URL": %q, "BusinessId": 1}`, srv.URL+"/loc1"))
	f1, f2, f3 := e.refuse(t, 1), e.refuse(t, 2), e.refuse(t, 1)
	var renders, batches atomic.Int32
	e.disp = webhook.New(webhook.Config{Store: e.db, AllowPrivate: true,
		Render: func(ctx context.Context, d *fc.WebhookDelivery) ([]byte, int64, error) {
			renders.Add(1)
			return e.srv.RenderDelivery(ctx, d)
		},
		RenderAll: func(ctx context.Context, recs []webhook.Record) (map[webhook.Record]webhook.Body, error) {
			batches.Add(1)
			got, err := e.srv.RenderDeliveries(ctx, recs)
			delete(got, webhook.Record{Action: fc.ActionFailedCheckin, ID: f3}) // left to Render
			return got, err
		}})
	if n := e.run(t); n != 5 {
		t.Fatalf("attempts = %d; want 5 (3 to all, 2 to loc1)", n)
	}
	if b, r := batches.Load(), renders.Load(); b != 1 || r != 1 {
		t.Errorf("RenderAll calls = %d, Render calls = %d; want 1 and 1 (the record left out)", b, r)
	}
	get := func(id int64) string {
		one := send(t, e.h, "GET", fmt.Sprintf("/api/spaces/failedcheckins/%d", id), "admin", "")
		return "[" + strings.TrimSuffix(one.Body.String(), "\n") + "]"
	}
	mu.Lock()
	defer mu.Unlock()
	for path, ids := range map[string][]int64{"/all": {f1, f2, f3}, "/loc1": {f1, f3}} {
		var want []string
		for _, id := range ids {
			want = append(want, get(id))
		}
		got := slices.Clone(bodies[path])
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s received %q\nwant %q", path, got, want)
		}
	}
}

// stuckOldestDue is a store whose OldestDue waits for its context while
// stuck is set: a read that cannot get a connection (the SQLite reader
// pool has max(4, NumCPU), shared with searches and exports).
type stuckOldestDue struct {
	fc.WebhookStore
	stuck atomic.Bool
}

func (s *stuckOldestDue) OldestDue(ctx context.Context, now time.Time) (time.Time, error) {
	if s.stuck.Load() {
		<-ctx.Done()
		return time.Time{}, ctx.Err()
	}
	return s.WebhookStore.OldestDue(ctx, now)
}

// TestWebhookStuckOldestDueRecordsResults: the results of attempts are
// recorded after the dispatcher asks whether it is behind, with the
// record's own 10 s context; a read of the oldest due work that does not
// return must not use that context up (the review of wt-A: the attempt's
// result was lost and the delivery sent again after its lease). The read
// gives up after a second and the result is recorded.
func TestWebhookStuckOldestDueRecordsResults(t *testing.T) {
	e := newHookEnv(t, true)
	inflight := make(chan struct{}, 10)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inflight <- struct{}{}
		time.Sleep(300 * time.Millisecond)
	}))
	t.Cleanup(srv.Close)
	hook := e.create(t, "admin", fmt.Sprintf(`{"Name": "a", "Action": 63, "URL": %q}`, srv.URL))
	st := &stuckOldestDue{WebhookStore: e.db}
	var busy atomic.Bool
	d := webhook.New(webhook.Config{Store: st, Render: e.srv.RenderDelivery, AllowPrivate: true,
		Busy: busy.Load, Defer: 5 * time.Second, Behind: time.Second})
	e.db.OnWebhookDeliveries(d.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	f := e.refuse(t, 1)
	<-inflight
	busy.Store(true) // the attempt is in flight: its result is recorded while the read is stuck
	st.stuck.Store(true)
	want := fmt.Sprintf(`"RecordId":%d,"EventId":`, f)
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		log := send(t, e.h, "GET", fmt.Sprintf("/api/sys/webhooks/%v/deliveries", hook["Id"]), "admin", "")
		if i := strings.Index(log.Body.String(), want); i >= 0 && strings.Contains(log.Body.String()[i:], `"Status":"Delivered"`) {
			return
		}
		// Lost, the result would be made again only after the lease
		// (a minute) by a second attempt.
		if time.Since(start) > 30*time.Second {
			t.Fatalf("the attempt's result was not recorded in 30 s; delivery log: %s", log.Body)
		}
	}
}
