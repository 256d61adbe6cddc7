package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// The webhooks pages (docs/api.md#webhooks): the list with a create form,
// one webhook with its delivery log, and the forms that turn a webhook on
// or off and queue deliveries again. They are /api/sys/webhooks by
// another door: the same roles (WebHook-List, -Read, -Create, -Edit), the
// same store calls with the session's scope (a webhook of another
// location, or of every location for a user bound to locations, is the
// same 404 as in the API), and the same checks of a new webhook
// (webhook.Validator, the SSRF guard included). Every POST needs the
// session's CSRF token, checked before anything is read. A masked user
// (docs/api.md#masked-users) is offered no create form, a create is
// refused (fc.Caller.MayWriteWebhooks), and a Filter is shown with its
// personal values redacted (searchparams.RedactPersonal); turning a
// webhook on or off and redelivering stay theirs.

// Sizes of the pages.
const (
	webhookPageSize  = 100
	deliveryPageSize = 50
)

// webhookView is one webhook as the pages show it; never its secret.
type webhookView struct {
	ID                          int64
	Name, Action, Location, URL string
	Filter, Description         string
	Active                      bool
	ErrorCount                  int
	LastError                   string
	LastTrigger, LastTriggerISO string
	CreatedOn, UpdatedOn        string
	UpdatedBy                   string
	RecordPages                 bool // its deliveries are FailedCheckins, which have a console page
}

// viewWebhook is w as the caller may see it: a masked caller's Filter
// has the values of personal parameters redacted.
func viewWebhook(caller *fc.Caller, w *fc.Webhook) webhookView {
	filter := w.Filter
	if caller.MasksPersonalData() {
		filter = searchparams.RedactPersonal(filter)
	}
	v := webhookView{ID: w.ID, Name: w.Name, Action: fc.WebhookActionName(w.Action), Location: "every location", URL: w.URL,
		Filter: filter, Description: w.Description, Active: w.Active, ErrorCount: w.ErrorCount, LastError: w.LastError,
		CreatedOn: formatUTC(w.CreatedOn), UpdatedOn: formatUTC(w.UpdatedOn), RecordPages: w.Action == fc.ActionFailedCheckin}
	if w.BusinessID != nil {
		v.Location = "location " + strconv.FormatInt(*w.BusinessID, 10)
	}
	if w.LastTrigger != nil {
		v.LastTrigger, v.LastTriggerISO = formatUTC(*w.LastTrigger), w.LastTrigger.UTC().Format(time.RFC3339)
	}
	if w.UpdatedBy != nil {
		v.UpdatedBy = *w.UpdatedBy
	}
	return v
}

// deliveryView is one entry of the delivery log.
type deliveryView struct {
	ID, RecordID               int64
	EventID, Status            string
	Attempts                   int
	LastStatusCode, LastError  string
	NextAttemptOn, DeliveredOn string
	CreatedOn                  string
	Redeliverable              bool // not pending: queuing it again does something
}

func viewDelivery(d *fc.WebhookDelivery) deliveryView {
	v := deliveryView{ID: d.ID, RecordID: d.RecordID, EventID: d.EventID, Status: d.Status, Attempts: d.Attempts,
		CreatedOn: formatUTC(d.CreatedOn), Redeliverable: d.Status != fc.DeliveryPending}
	if d.LastStatusCode != nil {
		v.LastStatusCode = strconv.Itoa(*d.LastStatusCode)
	}
	if d.LastError != nil {
		v.LastError = fc.ShortValue(*d.LastError)
	}
	if d.NextAttemptOn != nil {
		v.NextAttemptOn = formatUTC(*d.NextAttemptOn)
	}
	if d.DeliveredOn != nil {
		v.DeliveredOn = formatUTC(*d.DeliveredOn)
	}
	return v
}

// webhooksData fills the list page.
type webhooksData struct {
	Hooks     []webhookView
	Paging    paging
	CanCreate bool
	// NoCreate says why a user who holds WebHook-Create is offered no
	// form (personal data is masked for them).
	NoCreate string
	// The create form: what was given (to refill it), its problems, and
	// the locations a user bound to locations may choose from (none for
	// a full administrator, who types an id or leaves it empty).
	Form      url.Values
	Errors    []fc.FieldError
	Locations []option
	Actions   []option
}

// webhookData fills one webhook's page.
type webhookData struct {
	Hook       webhookView
	Deliveries []deliveryView
	Paging     paging
	CanEdit    bool
	// Secret is shown once, on the page that answers its creation.
	Secret string
	// Notice says what the last form did.
	Notice string
}

// webhooksEnabled answers the 404 page when the server has no webhook
// store, and says whether it has one.
func (c *Console) webhooksEnabled(w http.ResponseWriter, r *http.Request) bool {
	if c.cfg.Webhooks == nil {
		c.notFound(w, r)
		return false
	}
	return true
}

// webhooksPage serves GET /console/webhooks: the session's webhooks
// (FindWebhooks with its scope), and the create form for WebHook-Create.
func (c *Console) webhooksPage(w http.ResponseWriter, r *http.Request) {
	if !c.webhooksEnabled(w, r) {
		return
	}
	c.renderWebhooks(w, r, http.StatusOK, url.Values{"action": {strconv.Itoa(fc.ActionFailedCheckin)}}, nil)
}

// renderWebhooks renders the list page with the create form filled from
// form and its problems.
func (c *Console) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, form url.Values, problems []fc.FieldError) {
	s := sessionFrom(r.Context())
	v := r.URL.Query()
	q := fc.Query{Scope: s.caller.Scope, OrderBy: fc.FieldID, Page: pageParam(v), Size: webhookPageSize}
	page, err := c.cfg.Webhooks.FindWebhooks(r.Context(), q)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(page.Records), page.TotalItems)
	d := webhooksData{CanCreate: s.caller.HasRole(fc.RoleWebhookCreate), Form: form, Errors: problems,
		Paging: pagingFor(url.Values{}, q, page.TotalItems, len(page.Records))}
	if d.CanCreate && s.caller.MayWriteWebhooks() != nil {
		d.CanCreate, d.NoCreate = false, "You cannot create webhooks: "+fc.MaskedWebhookMessage+"."
	}
	for _, h := range page.Records {
		d.Hooks = append(d.Hooks, viewWebhook(s.caller, h))
	}
	if !s.caller.Scope.All() {
		for _, id := range s.caller.Scope.Businesses() {
			v := strconv.FormatInt(id, 10)
			d.Locations = append(d.Locations, option{Value: v, Label: "Location " + v, Selected: form.Get("business") == v})
		}
	}
	for _, a := range []int{fc.ActionFailedCheckin, fc.ActionCheckinCreated} {
		v := strconv.Itoa(a)
		d.Actions = append(d.Actions, option{Value: v, Label: fc.WebhookActionName(a), Selected: form.Get("action") == v})
	}
	c.render(w, r, status, "webhooks", pageData{Title: "Webhooks", Body: d})
}

// pageParam reads ?page=, 1 when absent or not a page number.
func pageParam(v url.Values) int64 {
	p, err := strconv.ParseInt(v.Get("page"), 10, 64)
	if err != nil || p < 1 {
		return 1
	}
	return p
}

// createWebhook serves POST /console/webhooks: the form's webhook,
// checked by webhook.Validator exactly as POST /api/sys/webhooks checks
// one. A bad form is the list page again with the problems (a 400, and
// nothing saved); a good one is the new webhook's page, showing its
// generated secret this once.
func (c *Console) createWebhook(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was created.")
		return
	}
	if !c.webhooksEnabled(w, r) {
		return
	}
	if s.caller.MayWriteWebhooks() != nil {
		c.errorPage(w, r, http.StatusForbidden, "You cannot create webhooks: "+fc.MaskedWebhookMessage+". Nothing was created.")
		return
	}
	form := url.Values{}
	for _, k := range []string{"name", "url", "action", "business", "filter", "description"} {
		form.Set(k, r.PostFormValue(k))
	}
	hook := &fc.Webhook{Name: form.Get("name"), URL: strings.TrimSpace(form.Get("url")), Filter: strings.TrimSpace(form.Get("filter")),
		Description: form.Get("description"), Active: true}
	var problems []fc.FieldError
	changes := webhook.AllChanges
	if a, err := strconv.Atoi(form.Get("action")); err == nil {
		hook.Action = a
	} else {
		problems = append(problems, fc.FieldError{Property: "Action", Message: "must be 63 (FailedCheckin), 47 (CheckinCreated) or 1001 (AlertIncident)"})
		changes.Action = false
	}
	if b := strings.TrimSpace(form.Get("business")); b != "" {
		if id, err := strconv.ParseInt(b, 10, 64); err == nil {
			hook.BusinessID = &id
		} else {
			problems = append(problems, fc.FieldError{Property: "BusinessId", Message: "must be a location id"})
			changes.BusinessID = false
		}
	}
	v := webhook.Validator{Scope: s.caller.Scope, AllowPrivate: c.cfg.WebhookAllowPrivate, Resolver: c.cfg.WebhookResolver}
	more, err := v.Validate(r.Context(), hook, changes)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	problems = append(problems, more...)
	if len(problems) > 0 {
		fields := map[string]string{"name": "name", "url": "url", "action": "action", "businessid": "business",
			"filter": "filter", "description": "description"}
		for i := range problems {
			if k, ok := fields[strings.ToLower(problems[i].Property)]; ok && problems[i].AttemptedValue == "" {
				problems[i].AttemptedValue = fc.ShortValue(form.Get(k))
			}
		}
		c.renderWebhooks(w, r, http.StatusBadRequest, form, problems)
		return
	}
	hook.Secret = fc.NewWebhookSecret()
	hook.UpdatedBy = &s.user.Email
	if err := c.cfg.Webhooks.CreateWebhook(r.Context(), hook); err != nil {
		c.internalError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "webhook", pageData{Title: "Webhook " + strconv.FormatInt(hook.ID, 10), Body: webhookData{
		Hook: viewWebhook(s.caller, hook), CanEdit: s.caller.HasRole(fc.RoleWebhookEdit), Secret: hook.Secret,
		Paging: paging{Page: 1}, Notice: "The webhook is created and active."}})
}

// findWebhook reads the webhook of the path's id through the session's
// scope; when there is none (or it lies outside the scope) it answers the
// 404 page itself and returns false.
func (c *Console) findWebhook(w http.ResponseWriter, r *http.Request) (*fc.Webhook, bool) {
	if !c.webhooksEnabled(w, r) {
		return nil, false
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
		return nil, false
	}
	h, err := c.cfg.Webhooks.FindWebhookByID(r.Context(), sessionFrom(r.Context()).caller.Scope, id)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		c.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
		return nil, false
	}
	if err != nil {
		c.internalError(w, r, err)
		return nil, false
	}
	return h, true
}

// notices are what a form that redirects back to a webhook's page did
// (?done=), fixed texts so the URL cannot put words on the page.
var notices = map[string]string{
	"enabled":     "The webhook is enabled: its failure count starts afresh and waiting deliveries are sent now.",
	"disabled":    "The webhook is disabled: its deliveries wait until it is enabled.",
	"redelivered": "deliveries are queued again and are sent now.",
}

// webhookPage serves GET /console/webhooks/{id}: the webhook and a page
// of its delivery log, newest first.
func (c *Console) webhookPage(w http.ResponseWriter, r *http.Request) {
	h, ok := c.findWebhook(w, r)
	if !ok {
		return
	}
	s := sessionFrom(r.Context())
	v := r.URL.Query()
	q := fc.Query{Page: pageParam(v), Size: deliveryPageSize}
	page, err := c.cfg.Webhooks.FindWebhookDeliveries(r.Context(), s.caller.Scope, h.ID, q.Page, q.Size)
	if fc.ErrorCode(err) == fc.ErrNotFound { // deleted since
		c.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	audit.SetPage(r.Context(), len(page.Records), page.TotalItems)
	d := webhookData{Hook: viewWebhook(s.caller, h), CanEdit: s.caller.HasRole(fc.RoleWebhookEdit),
		Paging: pagingFor(url.Values{}, q, page.TotalItems, len(page.Records))}
	for _, del := range page.Records {
		d.Deliveries = append(d.Deliveries, viewDelivery(del))
	}
	if n, ok := notices[v.Get("done")]; ok {
		d.Notice = n
		if v.Get("done") == "redelivered" {
			count, _ := strconv.ParseInt(v.Get("n"), 10, 64)
			d.Notice = strconv.FormatInt(count, 10) + " " + n
		}
	}
	c.render(w, r, http.StatusOK, "webhook", pageData{Title: "Webhook " + strconv.FormatInt(h.ID, 10), Body: d})
}

// setWebhookActive serves POST /console/webhooks/{id}/enable and
// /disable: the store's update, as the API's edit with Active, so
// enabling resets the failure count and sends what waited.
func (c *Console) setWebhookActive(active bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s := sessionFrom(r.Context())
		if !s.validCSRF(r) {
			c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was changed.")
			return
		}
		h, ok := c.findWebhook(w, r)
		if !ok {
			return
		}
		base := *h // only Active is written: a secret rotated meanwhile stays (the store's merge)
		h.Active = active
		h.UpdatedBy = &s.user.Email
		if err := c.cfg.Webhooks.UpdateWebhook(r.Context(), s.caller.Scope, &base, h); fc.ErrorCode(err) == fc.ErrNotFound {
			c.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
			return
		} else if err != nil {
			c.internalError(w, r, err)
			return
		}
		audit.SetCount(r.Context(), 1) // the webhook changed; the redirect is no 2xx for the route's count
		done := map[bool]string{true: "enabled", false: "disabled"}[active]
		http.Redirect(w, r, "/console/webhooks/"+strconv.FormatInt(h.ID, 10)+"?done="+done, http.StatusSeeOther)
	}
}

// redeliver serves POST /console/webhooks/{id}/redeliver: one delivery
// (delivery=ID) or every failed one (status=Failed) queued again at once,
// as POST /api/sys/webhooks/{id}/redeliver does.
func (c *Console) redeliver(w http.ResponseWriter, r *http.Request) {
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was queued.")
		return
	}
	h, ok := c.findWebhook(w, r)
	if !ok {
		return
	}
	var ids []int64
	var status string
	switch {
	case r.PostFormValue("delivery") != "":
		id, err := strconv.ParseInt(r.PostFormValue("delivery"), 10, 64)
		if err != nil || id < 1 {
			c.errorPage(w, r, http.StatusBadRequest, "The delivery to send again is not a delivery id.")
			return
		}
		ids = []int64{id}
	case strings.EqualFold(r.PostFormValue("status"), fc.DeliveryFailed):
		status = fc.DeliveryFailed
	default:
		c.errorPage(w, r, http.StatusBadRequest, "Say which deliveries to send again: one delivery, or every failed one.")
		return
	}
	n, err := c.cfg.Webhooks.RedeliverWebhook(r.Context(), s.caller.Scope, h.ID, ids, status)
	if fc.ErrorCode(err) == fc.ErrNotFound {
		c.errorPage(w, r, http.StatusNotFound, "There is no such webhook.")
		return
	}
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	audit.SetCount(r.Context(), n)
	http.Redirect(w, r, "/console/webhooks/"+strconv.FormatInt(h.ID, 10)+"?done=redelivered&n="+strconv.FormatInt(n, 10), http.StatusSeeOther)
}
