package console_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/api"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/signin"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// hookEnv is the console with its webhooks pages over the test directory
// (locations 1 and 2): "one" and "two" hold every webhook role and see
// location 1 or 2 only; "lister" may only search records.
type hookEnv struct {
	*env
	db  storetest.WebhookBackend
	cfg console.Config // the console's, to build another server with
}

func newHookEnv(t *testing.T) *hookEnv {
	t.Helper()
	var wb storetest.WebhookBackend
	var ccfg console.Config
	e := newEnvWith(t, func(db envStore, cfg *console.Config) {
		var ok bool
		if wb, ok = db.(storetest.WebhookBackend); !ok {
			t.Fatalf("store %T has no webhooks", db)
		}
		cfg.Webhooks = wb
		ccfg = *cfg
	})
	storetest.ImportTestDirectory(t, wb)
	roles := []string{fc.RoleWebhookList, fc.RoleWebhookRead, fc.RoleWebhookCreate, fc.RoleWebhookEdit, fc.RoleWebhookDelete,
		fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead}
	addUser(t, e.db, "one@example.com", &fc.User{Roles: roles, Businesses: []int64{1}})
	addUser(t, e.db, "two@example.com", &fc.User{Roles: roles, Businesses: []int64{2}})
	addUser(t, e.db, "lister@example.com", &fc.User{Roles: []string{fc.RoleFailedCheckinList}, Businesses: []int64{1}})
	return &hookEnv{env: e, db: wb, cfg: ccfg}
}

// signedIn returns a client signed in as email and the CSRF token of its
// session.
func (e *hookEnv) signedIn(t *testing.T, email string) (*http.Client, string) {
	t.Helper()
	c := e.client(t)
	e.signIn(t, c, email)
	_, page := get(t, c, e.srv.URL+"/console/failedcheckins")
	return c, csrfOf(t, page)
}

// post sends a console form and returns the status, the body and where a
// redirect goes.
func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header.Get("Location")
}

func (e *hookEnv) hooks(t *testing.T) []*fc.Webhook {
	t.Helper()
	page, err := e.db.FindWebhooks(context.Background(), fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	return page.Records
}

func (e *hookEnv) hook(t *testing.T, id int64) *fc.Webhook {
	t.Helper()
	h, err := e.db.FindWebhookByID(context.Background(), fc.AllBusinesses(), id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// failedDelivery records a refusal at the webhook's location and fails
// its one delivery for good, so the webhook's count is 1 and the
// delivery can be sent again. It returns the delivery's id.
func (e *hookEnv) failedDelivery(t *testing.T, h *fc.Webhook) int64 {
	t.Helper()
	ctx := context.Background()
	a := &fc.Attempt{BusinessID: h.Business(), Source: fc.SourceDoorAccess, FromTime: time.Now().UTC(), CoworkerID: new(int64(999))}
	if res, err := e.db.RecordAttempts(ctx, []*fc.Attempt{a}); err != nil || res[0].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v; want a refusal", res, err)
	}
	now := time.Now().Add(time.Hour) // after whatever the store's clock says
	jobs, err := e.db.ClaimDeliveries(ctx, "test", now, now.Add(time.Minute), 10)
	if err != nil || len(jobs) != 1 || jobs[0].Delivery.WebhookID != h.ID {
		t.Fatalf("ClaimDeliveries = %+v, %v; want webhook %d's one delivery", jobs, err, h.ID)
	}
	if err := e.db.FinishDelivery(ctx, "test", fc.DeliveryResult{DeliveryID: jobs[0].Delivery.ID, WebhookID: h.ID, At: now,
		StatusCode: 500, Error: "HTTP 500"}); err != nil {
		t.Fatal(err)
	}
	return jobs[0].Delivery.ID
}

func (e *hookEnv) deliveryStatus(t *testing.T, h *fc.Webhook, id int64) string {
	t.Helper()
	page, err := e.db.FindWebhookDeliveries(context.Background(), fc.AllBusinesses(), h.ID, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range page.Records {
		if d.ID == id {
			return d.Status
		}
	}
	t.Fatalf("delivery %d of webhook %d is gone", id, h.ID)
	return ""
}

var secretShown = regexp.MustCompile(`id="secret-value">(whsec_[^<]+)<`)

// TestConsoleWebhooks: the webhooks pages follow the API's rules. A new
// webhook is checked as the API checks it (a loopback URL is a form error
// and nothing is saved); every POST needs the CSRF token (without it
// nothing changes); a user bound to a location neither sees nor changes
// another location's webhook (a 404, as in the API); disable then enable
// works, enabling resetting the failure count; a failed delivery can be
// sent again; and the navigation links to the pages only for WebHook-List.
func TestConsoleWebhooks(t *testing.T) {
	e := newHookEnv(t)
	one, csrfOne := e.signedIn(t, "one@example.com")
	base := e.srv.URL + "/console/webhooks"

	code, body := get(t, one, base)
	if code != 200 || !strings.Contains(body, `id="nav-webhooks"`) || !strings.Contains(body, `id="create-webhook"`) ||
		!strings.Contains(body, `<option value="1">Location 1</option>`) {
		t.Fatalf("GET /console/webhooks as one = %d; want the list, the nav link and the create form for location 1:\n%.2000s", code, body)
	}
	form := url.Values{"csrf": {csrfOne}, "name": {"Door alerts"}, "url": {"http://127.0.0.1:9/hook"}, "action": {"63"}, "business": {"1"}}
	code, body, _ = post(t, one, base, form)
	if code != http.StatusBadRequest || !strings.Contains(body, `id="form-errors"`) || !strings.Contains(body, "<strong>URL</strong>") ||
		!strings.Contains(body, "loopback") || !strings.Contains(body, `value="Door alerts"`) {
		t.Errorf("create with a loopback URL = %d; want 400 with the URL's problem and the form refilled:\n%.3000s", code, body)
	}
	for _, bad := range []url.Values{
		{"business": {"2"}},    // not one of theirs
		{"business": {""}},     // every location: administrators only
		{"action": {"64"}},     // no such action
		{"filter": {"page=2"}}, // not a filter
		{"name": {" "}},        // blank
		{"url": {"ftp://x.example/"}},
	} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("url", "https://93.184.216.34/hook")
		for k, v := range bad {
			f[k] = v
		}
		if code, body, _ := post(t, one, base, f); code != http.StatusBadRequest || !strings.Contains(body, `id="form-errors"`) {
			t.Errorf("create with %v = %d; want 400 with the form's problems", bad, code)
		}
	}
	form.Set("url", "https://93.184.216.34/hook")
	for _, csrf := range []string{"", "forged"} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("csrf", csrf)
		if code, _, _ := post(t, one, base, f); code != http.StatusForbidden {
			t.Errorf("create with csrf=%q = %d; want 403", csrf, code)
		}
	}
	if hooks := e.hooks(t); len(hooks) != 0 {
		t.Fatalf("after refused creates %d webhooks are stored; want none", len(hooks))
	}

	code, body, _ = post(t, one, base, form)
	m := secretShown.FindStringSubmatch(html.UnescapeString(body))
	hooks := e.hooks(t)
	if code != 200 || m == nil || len(hooks) != 1 {
		t.Fatalf("create = %d, %d stored; want 200 showing the secret and one webhook:\n%.3000s", code, len(hooks), body)
	}
	mine := hooks[0]
	if mine.Secret != m[1] || mine.Business() != 1 || mine.Name != "Door alerts" || !mine.Active || mine.UpdatedBy == nil ||
		*mine.UpdatedBy != "one@example.com" {
		t.Errorf("stored %+v; want the form's webhook with the secret shown", mine)
	}
	if _, body := get(t, one, fmt.Sprintf("%s/%d", base, mine.ID)); strings.Contains(body, "whsec_") {
		t.Errorf("the webhook's page shows its secret again")
	}
	theirs := &fc.Webhook{Name: "Their hook", Action: fc.ActionFailedCheckin, BusinessID: new(int64(2)), URL: "https://93.184.216.34/two",
		Active: true, Secret: fc.NewWebhookSecret()}
	if err := e.db.CreateWebhook(context.Background(), theirs); err != nil {
		t.Fatal(err)
	}
	myDelivery := e.failedDelivery(t, mine)
	theirDelivery := e.failedDelivery(t, theirs)

	// Another location's user: the list leaves it out, every page and
	// form of it is a 404, and nothing changes.
	two, csrfTwo := e.signedIn(t, "two@example.com")
	if _, body := get(t, two, base); strings.Contains(body, "Door alerts") || !strings.Contains(body, "Their hook") {
		t.Errorf("two's list shows another location's webhook, or not its own")
	}
	mineURL := fmt.Sprintf("%s/%d", base, mine.ID)
	if code, body := get(t, two, mineURL); code != 404 || strings.Contains(body, "Door alerts") {
		t.Errorf("two GET %s = %d; want 404", mineURL, code)
	}
	for _, target := range []string{"/disable", "/enable", "/redeliver"} {
		f := url.Values{"csrf": {csrfTwo}, "delivery": {fmt.Sprint(myDelivery)}}
		if code, _, _ := post(t, two, mineURL+target, f); code != 404 {
			t.Errorf("two POST %s%s = %d; want 404", mineURL, target, code)
		}
	}
	// Nor through its own webhook: the delivery id of another is not its.
	if code, _, loc := post(t, two, fmt.Sprintf("%s/%d/redeliver", base, theirs.ID), url.Values{"csrf": {csrfTwo}, "delivery": {fmt.Sprint(myDelivery)}}); code != 303 || !strings.Contains(loc, "n=0") {
		t.Errorf("two redelivers one's delivery through its own webhook = %d %s; want 303 with n=0", code, loc)
	}
	if h := e.hook(t, mine.ID); !h.Active || e.deliveryStatus(t, mine, myDelivery) != fc.DeliveryFailed {
		t.Errorf("after two's attempts: %+v, delivery %s; want active and still failed", h, e.deliveryStatus(t, mine, myDelivery))
	}

	// The delivery log, and sending one again.
	code, body = get(t, one, mineURL)
	if code != 200 || !strings.Contains(body, fmt.Sprintf(`id="delivery-%d"`, myDelivery)) || !strings.Contains(body, "Failed") ||
		strings.Contains(body, fmt.Sprintf(`id="delivery-%d"`, theirDelivery)) || !strings.Contains(body, "Send again") {
		t.Errorf("one GET %s = %d; want its failed delivery with a Send again form:\n%.3000s", mineURL, code, body)
	}
	if code, _, _ := post(t, one, mineURL+"/redeliver", url.Values{"delivery": {fmt.Sprint(myDelivery)}}); code != 403 ||
		e.deliveryStatus(t, mine, myDelivery) != fc.DeliveryFailed {
		t.Errorf("redeliver without csrf = %d; want 403 and nothing queued", code)
	}
	code, _, loc := post(t, one, mineURL+"/redeliver", url.Values{"csrf": {csrfOne}, "delivery": {fmt.Sprint(myDelivery)}})
	if code != 303 || e.deliveryStatus(t, mine, myDelivery) != fc.DeliveryPending {
		t.Errorf("redeliver = %d; want 303 and the delivery pending", code)
	}
	if _, body := get(t, one, e.srv.URL+loc); !strings.Contains(body, "1 deliveries are queued again") {
		t.Errorf("after redeliver the page does not say so")
	}

	// Disable, then enable: the count of failures starts afresh.
	if h := e.hook(t, mine.ID); h.ErrorCount != 1 {
		t.Fatalf("ErrorCount after a failed attempt = %d; want 1", h.ErrorCount)
	}
	if code, _, _ := post(t, one, mineURL+"/disable", url.Values{"csrf": {"forged"}}); code != 403 || !e.hook(t, mine.ID).Active {
		t.Errorf("disable with a forged csrf = %d; want 403 and still active", code)
	}
	if code, _, _ := post(t, one, mineURL+"/disable", url.Values{"csrf": {csrfOne}}); code != 303 {
		t.Errorf("disable = %d; want 303", code)
	}
	if h := e.hook(t, mine.ID); h.Active || h.ErrorCount != 1 {
		t.Errorf("after disable: Active %v, ErrorCount %d; want false, 1", h.Active, h.ErrorCount)
	}
	if _, body := get(t, one, mineURL); !strings.Contains(body, `id="enable"`) {
		t.Errorf("a disabled webhook's page has no Enable button")
	}
	if code, _, _ := post(t, one, mineURL+"/enable", url.Values{"csrf": {csrfOne}}); code != 303 {
		t.Errorf("enable = %d; want 303", code)
	}
	if h := e.hook(t, mine.ID); !h.Active || h.ErrorCount != 0 {
		t.Errorf("after enable: Active %v, ErrorCount %d; want true, 0", h.Active, h.ErrorCount)
	}

	// Without WebHook-List: no link, and the page is a 403.
	lister, _ := e.signedIn(t, "lister@example.com")
	if _, body := get(t, lister, e.srv.URL+"/console/failedcheckins"); strings.Contains(body, `id="nav-webhooks"`) {
		t.Errorf("the navigation links to webhooks for a user without WebHook-List")
	}
	if code, _ := get(t, lister, base); code != http.StatusForbidden {
		t.Errorf("lister GET /console/webhooks = %d; want 403", code)
	}
	// An administrator sees both.
	admin, _ := e.signedIn(t, "admin@example.com")
	if _, body := get(t, admin, base); !strings.Contains(body, "Door alerts") || !strings.Contains(body, "Their hook") {
		t.Errorf("the administrator's list lacks a webhook")
	}
}

// TestConsoleWebhooksAudited: the webhooks pages write Console audit
// entries like the API's webhook requests: a creation and a change with
// their user and one webhook, a refused page of another location's
// webhook as its 404.
func TestConsoleWebhooksAudited(t *testing.T) {
	e := newHookEnv(t)
	db, ok := e.db.(fc.AuditStore)
	if !ok {
		t.Fatal("the test store has no audit trail")
	}
	c, err := console.New(e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := audit.New(db, audit.Options{Delay: time.Hour}) // written by Flush only
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	svc := signin.New(signin.Config{Users: e.env.db, Tokens: e.env.db, Failures: e.env.db})
	srv := httptest.NewServer(api.New(api.Config{Store: e.env.db, Authenticator: api.NewAuth(svc, nil), Console: c, Auditor: a}).Handler())
	t.Cleanup(srv.Close)
	e.srv = srv

	one, csrfOne := e.signedIn(t, "one@example.com")
	two, _ := e.signedIn(t, "two@example.com")
	base := srv.URL + "/console/webhooks"
	if code, _, _ := post(t, one, base, url.Values{"csrf": {csrfOne}, "name": {"n"}, "url": {"https://93.184.216.34/"}, "action": {"63"}, "business": {"1"}}); code != 200 {
		t.Fatalf("create = %d", code)
	}
	id := e.hooks(t)[0].ID
	path := fmt.Sprintf("/console/webhooks/%d", id)
	if code, _, _ := post(t, one, srv.URL+path+"/disable", url.Values{"csrf": {csrfOne}}); code != 303 {
		t.Fatalf("disable = %d", code)
	}
	if code, _ := get(t, two, srv.URL+path); code != 404 {
		t.Fatalf("two GET %s = %d", path, code)
	}
	if err := a.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	q, err := searchparams.Audit.Parse("orderBy=Id&dir=asc&size=100&Audit_Path=/console/webhooks")
	if err != nil {
		t.Fatal(err)
	}
	q.Scope = fc.AllBusinesses()
	page, err := db.FindAuditEntries(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range page.Entries {
		if en.Channel != fc.ChannelConsole {
			t.Errorf("entry %+v: channel %s; want Console", *en, en.Channel)
		}
		got = append(got, fmt.Sprintf("%s %s %s %d %d", en.UserEmail, en.Method, en.Path, en.Status, en.ResultCount))
	}
	want := []string{"one@example.com POST /console/webhooks 200 1", "one@example.com POST " + path + "/disable 303 1",
		"two@example.com GET " + path + " 404 0"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestConsoleMaskedWebhooks: a masked user (docs/api.md#masked-users) is
// offered no create form but told why, a create they post anyway is a
// 403 page and saves nothing, a webhook's Filter shows its personal
// values as ***, and turning a webhook off still works for them.
func TestConsoleMaskedWebhooks(t *testing.T) {
	e := newHookEnv(t)
	addUser(t, e.env.db, "masked@example.com", &fc.User{Admin: true, MaskPersonalData: true})
	hook := &fc.Webhook{Name: "Ops", Action: fc.ActionFailedCheckin, URL: "https://93.184.216.34/hook", Active: true,
		Filter: "FailedCheckin_Coworker_FullName=Ana%20Silva&FailedCheckin_Source=2", Secret: fc.NewWebhookSecret()}
	if err := e.db.CreateWebhook(context.Background(), hook); err != nil {
		t.Fatal(err)
	}
	c, csrf := e.signedIn(t, "masked@example.com")
	_, list := get(t, c, e.srv.URL+"/console/webhooks")
	if strings.Contains(list, `id="create-webhook"`) || !strings.Contains(html.UnescapeString(list), fc.MaskedWebhookMessage) {
		t.Errorf("the list page offers a masked user the create form, or does not say why not: %.2000s", list)
	}
	code, body, _ := post(t, c, e.srv.URL+"/console/webhooks", url.Values{"csrf": {csrf}, "name": {"Mine"},
		"url": {"https://93.184.216.34/mine"}, "action": {"63"}})
	if code != 403 || !strings.Contains(html.UnescapeString(body), fc.MaskedWebhookMessage) || len(e.hooks(t)) != 1 {
		t.Errorf("create as masked = %d (%d webhooks); want 403 saying why, nothing saved: %.1000s", code, len(e.hooks(t)), body)
	}
	id := fmt.Sprint(hook.ID)
	_, page := get(t, c, e.srv.URL+"/console/webhooks/"+id)
	if page = html.UnescapeString(page); strings.Contains(page, "Ana") || !strings.Contains(page, "FailedCheckin_Coworker_FullName=***&FailedCheckin_Source=2") {
		t.Errorf("the webhook page shows a masked user the Filter unredacted: %.3000s", page)
	}
	if code, _, loc := post(t, c, e.srv.URL+"/console/webhooks/"+id+"/disable", url.Values{"csrf": {csrf}}); code != 303 || e.hook(t, hook.ID).Active {
		t.Errorf("disable as masked = %d %s; want done", code, loc)
	}
	admin, _ := e.signedIn(t, "admin@example.com")
	if _, page := get(t, admin, e.srv.URL+"/console/webhooks/"+id); !strings.Contains(html.UnescapeString(page), "FailedCheckin_Coworker_FullName=Ana%20Silva") {
		t.Errorf("the administrator's webhook page lacks the whole Filter")
	}
}
