package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/failedcheckins/failedcheckins/alertmail"
	"github.com/failedcheckins/failedcheckins/alertmail/smtptest"
)

func (e *hookEnv) rule(t *testing.T, token, body string) map[string]any {
	t.Helper()
	w := send(t, e.h, "POST", "/api/alerts/rules", token, body)
	if w.Code != 200 {
		t.Fatalf("POST rule %s = %d %s", body, w.Code, w.Body)
	}
	var out struct{ Value map[string]any }
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out.Value
}

// TestAlertRuleValidation: every bad field is a 400 naming it, and
// nothing is stored; the BusinessId rule and the receivers' rule
// (webhooks of the caller with action 1001; emails need --smtp-url).
func TestAlertRuleValidation(t *testing.T) {
	e := newHookEnv(t, true)
	own := e.create(t, "loc1", `{"Name": "mine", "Action": 1001, "URL": "http://127.0.0.1:9/", "BusinessId": 1}`)
	refusals := e.create(t, "loc1", `{"Name": "refusals", "Action": 63, "URL": "http://127.0.0.1:9/", "BusinessId": 1}`)
	other := e.create(t, "loc2", `{"Name": "theirs", "Action": 1001, "URL": "http://127.0.0.1:9/", "BusinessId": 2}`)
	good := `"Name": "stuck", "GroupBy": ["CoworkerId"], "Threshold": 5, "WindowMinutes": 10`
	cases := []struct{ token, body, property string }{
		{"loc1", `{` + good + `}`, "BusinessId"}, // a scoped user must give a location
		{"loc1", `{` + good + `, "BusinessId": 2}`, "BusinessId"},
		{"loc1", `{"GroupBy": ["CoworkerId"], "Threshold": 5, "WindowMinutes": 10, "BusinessId": 1}`, "Name"},
		{"loc1", `{` + good + `, "BusinessId": 1, "Threshold": 0}`, "Threshold"},
		{"admin", `{"Name": "n", "GroupBy": ["CoworkerId"], "Threshold": 5, "WindowMinutes": 1441}`, "WindowMinutes"},
		{"admin", `{"Name": "n", "GroupBy": ["Teams"], "Threshold": 5, "WindowMinutes": 10}`, "GroupBy"},
		// Minutes past a year would overflow a time.Duration: due at once.
		{"admin", `{` + good + `, "RepeatMinutes": 525601}`, "RepeatMinutes"},
		{"admin", `{` + good + `, "RepeatMinutes": 9223372036854775807}`, "RepeatMinutes"},
		{"admin", `{` + good + `, "ResolveMinutes": 200000000}`, "ResolveMinutes"},
		{"admin", `{"Name": "n", "GroupBy": [], "Threshold": 5, "WindowMinutes": 10}`, "GroupBy"},
		{"admin", `{` + good + `, "Filter": "FailedCheckin_Nope=1"}`, "Filter"},
		{"loc1", fmt.Sprintf(`{`+good+`, "BusinessId": 1, "Receivers": {"Webhooks": [%v]}}`, other["Id"]), "Receivers.Webhooks"},
		{"loc1", fmt.Sprintf(`{`+good+`, "BusinessId": 1, "Receivers": {"Webhooks": [%v]}}`, refusals["Id"]), "Receivers.Webhooks"},
		{"loc1", `{` + good + `, "BusinessId": 1, "Receivers": {"Emails": ["ops@example.com"]}}`, "Receivers.Emails"},
	}
	for _, c := range cases {
		w := send(t, e.h, "POST", "/api/alerts/rules", c.token, c.body)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"PropertyName":"`+c.property+`"`) {
			t.Errorf("POST %s = %d %s; want a 400 naming %s", c.body, w.Code, w.Body, c.property)
		}
	}
	if w := send(t, e.h, "GET", "/api/alerts/rules", "admin", ""); !strings.Contains(w.Body.String(), `"TotalItems":0`) {
		t.Fatalf("rules after bad input = %s; want none", w.Body)
	}
	r := e.rule(t, "loc1", fmt.Sprintf(`{`+good+`, "BusinessId": 1, "Receivers": {"Webhooks": [%v]}}`, own["Id"]))
	if r["RepeatMinutes"].(float64) != 240 || r["ResolveMinutes"].(float64) != 10 || r["Active"] != true || r["UpdatedBy"] != "one@example.com" {
		t.Errorf("rule with defaults = %v", r)
	}
	w := send(t, e.h, "PUT", "/api/alerts/rules", "loc1", fmt.Sprintf(`{"Id": %v, "Threshold": 3, "Name": "renamed"}`, r["Id"]))
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"Name":"renamed"`) || !strings.Contains(w.Body.String(), `"Threshold":3`) ||
		!strings.Contains(w.Body.String(), `"WindowMinutes":10`) {
		t.Errorf("PUT = %d %s", w.Code, w.Body)
	}
}

// TestAlertScope: a user bound to a location never sees or changes
// another location's rules or incidents.
func TestAlertScope(t *testing.T) {
	e := newHookEnv(t, true)
	r := e.rule(t, "loc1", `{"Name": "one", "GroupBy": ["CoworkerId"], "Threshold": 2, "WindowMinutes": 10, "BusinessId": 1}`)
	id := r["Id"]
	e.refuse(t, 1)
	e.refuse(t, 1)
	list := send(t, e.h, "GET", "/api/alerts/incidents", "loc1", "")
	var page struct {
		Records    []map[string]any
		TotalItems int
	}
	if err := json.Unmarshal(list.Body.Bytes(), &page); err != nil || page.TotalItems != 1 {
		t.Fatalf("loc1's incidents = %s", list.Body)
	}
	inc := page.Records[0]["Id"]
	for _, c := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/api/alerts/rules/%v", id), ""},
		{"PUT", "/api/alerts/rules", fmt.Sprintf(`{"Id": %v, "Name": "taken"}`, id)},
		{"DELETE", fmt.Sprintf("/api/alerts/rules/%v", id), ""},
		{"GET", fmt.Sprintf("/api/alerts/incidents/%v", inc), ""},
		{"POST", fmt.Sprintf("/api/alerts/incidents/%v/acknowledge", inc), ""},
	} {
		if w := send(t, e.h, c.method, c.path, "loc2", c.body); w.Code != 404 {
			t.Errorf("loc2 %s %s = %d %s; want 404", c.method, c.path, w.Code, w.Body)
		}
	}
	for _, path := range []string{"/api/alerts/rules", "/api/alerts/incidents"} {
		if w := send(t, e.h, "GET", path, "loc2", ""); !strings.Contains(w.Body.String(), `"TotalItems":0`) {
			t.Errorf("loc2 GET %s = %s; want nothing", path, w.Body)
		}
	}
	if w := send(t, e.h, "GET", "/api/alerts/incidents?AlertIncident_Status=open&AlertIncident_Rule="+fmt.Sprint(id), "loc1", ""); !strings.Contains(w.Body.String(), `"TotalItems":1`) {
		t.Errorf("filtered list = %s", w.Body)
	}
	if w := send(t, e.h, "GET", "/api/alerts/incidents?AlertIncident_Status=Resolved", "loc1", ""); !strings.Contains(w.Body.String(), `"TotalItems":0`) {
		t.Errorf("resolved list = %s", w.Body)
	}
	if w := send(t, e.h, "GET", "/api/alerts/incidents?AlertIncident_Nope=1", "loc1", ""); w.Code != 400 {
		t.Errorf("unknown filter = %d", w.Code)
	}
	w := send(t, e.h, "POST", fmt.Sprintf("/api/alerts/incidents/%v/acknowledge", inc), "loc1", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"Status":"Acknowledged","FailureCount":2`) ||
		!strings.Contains(w.Body.String(), `"AcknowledgedBy":"one@example.com"`) {
		t.Errorf("acknowledge = %d %s", w.Code, w.Body)
	}
}

// TestAlertEndToEnd: a rule with a webhook and an email receiver;
// refusals posted through the API open one incident, which reaches the
// webhook receiver once, signed (the receiver checks both signatures), as
// the array of one get-one answers with "Event": "Opened", and one email
// reaches an SMTP server started here.
func TestAlertEndToEnd(t *testing.T) {
	e := newHookEnv(t, true)
	e.srv.alerts.Email = true // serve --smtp-url
	mailSrv, err := smtptest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mailSrv.Close)
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	hook := e.create(t, "admin", fmt.Sprintf(`{"Name": "pager", "Action": 1001, "URL": %q}`, srv.URL))
	rc.secret = hook["Secret"].(string)
	e.rule(t, "admin", fmt.Sprintf(`{"Name": "stuck at the door", "GroupBy": ["CoworkerId", "BusinessId"], "Threshold": 3,
		"WindowMinutes": 10, "Receivers": {"Webhooks": [%v], "Emails": ["ops@example.com"]}}`, hook["Id"]))
	var ids []int64
	for range 3 {
		ids = append(ids, e.refuse(t, 2))
	}
	e.refuse(t, 1) // another key
	if n := e.run(t); n != 1 {
		t.Fatalf("attempts = %d; want 1", n)
	}
	got := rc.take()
	if len(got) != 1 {
		t.Fatalf("received %d", len(got))
	}
	var body []map[string]any
	if err := json.Unmarshal(got[0].body, &body); err != nil || len(body) != 1 {
		t.Fatalf("body = %s", got[0].body)
	}
	one := send(t, e.h, "GET", fmt.Sprintf("/api/alerts/incidents/%v", body[0]["Id"]), "admin", "")
	var want map[string]any
	if err := json.Unmarshal(one.Body.Bytes(), &want); err != nil {
		t.Fatal(err)
	}
	want["Event"] = "Opened"
	if fmt.Sprint(body[0]) != fmt.Sprint(want) {
		t.Errorf("delivered %v\nwant get-one with the event %v", body[0], want)
	}
	if fmt.Sprint(want["FailedCheckinIds"]) != fmt.Sprint([]any{float64(ids[0]), float64(ids[1]), float64(ids[2])}) ||
		fmt.Sprint(want["Key"]) != fmt.Sprint(map[string]any{"CoworkerId": float64(999), "BusinessId": float64(2)}) ||
		want["BusinessId"].(float64) != 2 || want["Status"] != "Open" {
		t.Errorf("incident = %v; want the three refusals at location 2", want)
	}
	rule := fmt.Sprint(want["RuleId"])
	wantSeries(t, scrape(t, e.h), `failedcheckins_alert_incidents_opened_total{rule="`+rule+`"} 1`,
		`failedcheckins_alert_incidents_resolved_total{rule="`+rule+`"} 0`, "failedcheckins_alert_incidents_open 1")
	sender := &alertmail.Sender{Store: e.db, Server: alertmail.Server{Addr: mailSrv.Addr, Host: "127.0.0.1"}, From: "alerts@example.com"}
	if err := e.srv.Metrics().Register(sender.Collectors()...); err != nil {
		t.Fatal(err)
	}
	if n, err := sender.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("email sender = %d, %v; want one email", n, err)
	}
	wantSeries(t, scrape(t, e.h), `failedcheckins_alert_emails_total{outcome="sent"} 1`,
		`failedcheckins_alert_emails_total{outcome="retry"} 0`)
	mails := mailSrv.Messages()
	if len(mails) != 1 || strings.Join(mails[0].To, ",") != "ops@example.com" ||
		!strings.Contains(mails[0].Data, "Subject: [failedcheckins] Opened: stuck at the door") || !strings.Contains(mails[0].Data, "Refusals: 3") ||
		!strings.Contains(mails[0].Data, fmt.Sprintf("/api/alerts/incidents/%v", body[0]["Id"])) {
		t.Errorf("emails = %+v", mails)
	}
}
