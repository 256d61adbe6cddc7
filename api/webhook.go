package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// WebhookConfig serves /api/sys/webhooks (docs/api.md#webhooks).
type WebhookConfig struct {
	Store fc.WebhookStore
	// AllowPrivate accepts URLs of private addresses
	// (serve --webhook-allow-private).
	AllowPrivate bool
	// Resolver looks up a URL's host when a webhook is saved; nil is
	// net.DefaultResolver.
	Resolver webhook.Resolver
}

// webhookJSON is a webhook on the wire; Secret only in the answer that
// sets it.
type webhookJSON struct {
	ID          int64   `json:"Id"`
	UniqueID    string  `json:"UniqueId"`
	BusinessID  *int64  `json:"BusinessId"`
	Name        string  `json:"Name"`
	Action      int     `json:"Action"`
	Description string  `json:"Description"`
	URL         string  `json:"URL"`
	Active      bool    `json:"Active"`
	Filter      string  `json:"Filter"`
	LastError   *string `json:"LastError"`
	ErrorCount  int     `json:"ErrorCount"`
	LastTrigger *string `json:"LastTrigger"`
	CreatedOn   string  `json:"CreatedOn"`
	UpdatedOn   string  `json:"UpdatedOn"`
	UpdatedBy   *string `json:"UpdatedBy"`
	IsNew       bool    `json:"IsNew"`
	SystemID    *string `json:"SystemId"`
	Secret      *string `json:"Secret,omitempty"`
}

func toWebhookJSON(w *fc.Webhook) webhookJSON {
	out := webhookJSON{ID: w.ID, UniqueID: w.UniqueID, BusinessID: w.BusinessID, Name: w.Name, Action: w.Action,
		Description: w.Description, URL: w.URL, Active: w.Active, Filter: w.Filter, ErrorCount: w.ErrorCount,
		LastTrigger: optionalTime(w.LastTrigger, formatUTC), CreatedOn: formatUTC(w.CreatedOn), UpdatedOn: formatUTC(w.UpdatedOn),
		UpdatedBy: w.UpdatedBy, SystemID: w.SystemID}
	if w.LastError != "" {
		out.LastError = &w.LastError
	}
	return out
}

// deliveryJSON is one entry of the delivery log.
type deliveryJSON struct {
	ID             int64   `json:"Id"`
	WebhookID      int64   `json:"WebhookId"`
	RecordID       int64   `json:"RecordId"`
	EventID        string  `json:"EventId"`
	Status         string  `json:"Status"`
	Attempts       int     `json:"Attempts"`
	LastStatusCode *int    `json:"LastStatusCode"`
	LastError      *string `json:"LastError"`
	NextAttemptOn  *string `json:"NextAttemptOn"`
	DeliveredOn    *string `json:"DeliveredOn"`
	CreatedOn      string  `json:"CreatedOn"`
}

func toDeliveryJSON(d *fc.WebhookDelivery) deliveryJSON {
	return deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, RecordID: d.RecordID, EventID: d.EventID, Status: d.Status,
		Attempts: d.Attempts, LastStatusCode: d.LastStatusCode, LastError: d.LastError,
		NextAttemptOn: optionalTime(d.NextAttemptOn, formatUTC), DeliveredOn: optionalTime(d.DeliveredOn, formatUTC),
		CreatedOn: formatUTC(d.CreatedOn)}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.Webhooks.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.Scope = callerFrom(r.Context()).Scope
	page, err := s.webhooks.Store.FindWebhooks(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	writeJSON(w, http.StatusOK, newPageJSON(q, page.Records, page.TotalItems, func(h *fc.Webhook) webhookJSON { return toCallerWebhookJSON(caller, h) }))
}

// toCallerWebhookJSON is toWebhookJSON as the caller may see it: for a
// masked caller, the values of the Filter's personal parameters are
// searchparams.Redacted (they are values another user typed).
func toCallerWebhookJSON(c *fc.Caller, h *fc.Webhook) webhookJSON {
	out := toWebhookJSON(h)
	if c.MasksPersonalData() {
		out.Filter = searchparams.RedactPersonal(out.Filter)
	}
	return out
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	hook, err := s.webhooks.Store.FindWebhookByID(r.Context(), callerFrom(r.Context()).Scope, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCallerWebhookJSON(callerFrom(r.Context()), hook))
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) {
	caller := callerFrom(r.Context())
	hook := &fc.Webhook{Active: true}
	given, err := s.readWebhook(r, hook, nil, caller, false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !given["secret"] || hook.Secret == "" {
		hook.Secret = fc.NewWebhookSecret()
	}
	if email := caller.Email; email != "" {
		hook.UpdatedBy = &email
	}
	if err := s.webhooks.Store.CreateWebhook(r.Context(), hook); err != nil {
		s.writeError(w, r, err)
		return
	}
	out := toWebhookJSON(hook)
	out.Secret = &hook.Secret
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "WebHook was successfully created.", Value: out, WasSuccessful: true})
}

func (s *Server) editWebhook(w http.ResponseWriter, r *http.Request) {
	caller := callerFrom(r.Context())
	hook, base := &fc.Webhook{}, &fc.Webhook{}
	given, err := s.readWebhook(r, hook, base, caller, true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if given["secret"] && hook.Secret == "" {
		hook.Secret = fc.NewWebhookSecret() // "Secret": "" rotates it
	}
	if email := caller.Email; email != "" {
		hook.UpdatedBy = &email
	}
	if err := s.webhooks.Store.UpdateWebhook(r.Context(), caller.Scope, base, hook); err != nil {
		s.writeError(w, r, err)
		return
	}
	saved, err := s.webhooks.Store.FindWebhookByID(r.Context(), caller.Scope, hook.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := toCallerWebhookJSON(caller, saved)
	if given["secret"] {
		out.Secret = &saved.Secret
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "WebHook was successfully updated.", Value: out, WasSuccessful: true})
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scope := callerFrom(r.Context()).Scope
	hook, err := s.webhooks.Store.FindWebhookByID(r.Context(), scope, id)
	if err == nil {
		err = s.webhooks.Store.DeleteWebhook(r.Context(), scope, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "WebHook was successfully deleted.", Value: toCallerWebhookJSON(callerFrom(r.Context()), hook), WasSuccessful: true})
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q, err := searchparams.Deliveries.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.webhooks.Store.FindWebhookDeliveries(r.Context(), callerFrom(r.Context()).Scope, id, q.Page, q.Size)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q.OrderBy, q.Descending = fc.FieldID, true
	writeJSON(w, http.StatusOK, newPageJSON(q, page.Records, page.TotalItems, toDeliveryJSON))
}

func (s *Server) redeliver(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	fields, err := readFields(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var bad []fc.FieldError
	var ids []int64
	var status string
	rawIDs, hasIDs := fields["ids"]
	rawStatus, hasStatus := fields["status"]
	switch {
	case hasIDs == hasStatus:
		bad = append(bad, fc.FieldError{Property: "Ids", Message: `give either Ids (a list of delivery ids) or Status ("Failed")`})
	case hasIDs:
		if err := json.Unmarshal(rawIDs, &ids); err != nil || len(ids) == 0 || len(ids) > 1000 || hasNonPositive(ids) {
			bad = append(bad, fc.FieldError{Property: "Ids", Message: "must be a list of 1 to 1000 delivery ids", AttemptedValue: attempted(rawIDs)})
		}
	default:
		var st string
		_ = json.Unmarshal(rawStatus, &st)
		switch {
		case strings.EqualFold(st, fc.DeliveryFailed):
			status = fc.DeliveryFailed
		case strings.EqualFold(st, fc.DeliveryDelivered):
			status = fc.DeliveryDelivered
		default:
			bad = append(bad, fc.FieldError{Property: "Status", Message: "must be Failed or Delivered", AttemptedValue: attempted(rawStatus)})
		}
	}
	if len(bad) > 0 {
		s.writeError(w, r, fc.InvalidFields(bad))
		return
	}
	n, err := s.webhooks.Store.RedeliverWebhook(r.Context(), callerFrom(r.Context()).Scope, id, ids, status)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ids != nil && n == 0 {
		// None of them is in the log: not this webhook's, or pruned
		// (serve --webhook-log-retention, docs/api.md#delivery). A 404
		// as for any id that is not there, rather than a 200 that
		// queued nothing.
		s.writeError(w, r, fc.Errorf(fc.ErrNotFound, "no such delivery"))
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: strconv.FormatInt(n, 10) + " deliveries were queued again.",
		Value: map[string]int64{"Count": n}, WasSuccessful: true})
}

func hasNonPositive(ids []int64) bool {
	for _, id := range ids {
		if id < 1 {
			return true
		}
	}
	return false
}

// readFields reads a body holding one JSON object into its fields, keyed
// by their lower-cased names (field names are matched case-insensitively,
// as encoding/json does); a field given twice is a 400.
func readFields(r *http.Request) (map[string]json.RawMessage, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw map[string]json.RawMessage
	if err := dec.Decode(&raw); err != nil || raw == nil || dec.More() {
		return nil, fc.InvalidFields([]fc.FieldError{{Property: bodyProperty, Message: "must be one JSON object", AttemptedValue: fc.ShortValue(string(body))}})
	}
	fields := make(map[string]json.RawMessage, len(raw))
	for k, v := range raw {
		key := strings.ToLower(k)
		if _, dup := fields[key]; dup {
			return nil, fc.InvalidFields([]fc.FieldError{{Property: k, Message: "appears more than once in the body; give each field once"}})
		}
		fields[key] = v
	}
	return fields, nil
}

// readWebhook reads the body of a create (edit false) or an edit into
// hook, the stored webhook for an edit (also copied to base, what the
// store's three-way merge compares with), checks the result and returns
// which fields were given. Every bad field is named in one 400; nothing
// is stored on a 400.
func (s *Server) readWebhook(r *http.Request, hook, base *fc.Webhook, caller *fc.Caller, edit bool) (map[string]bool, error) {
	fields, err := readFields(r)
	if err != nil {
		return nil, err
	}
	if err := caller.MayWriteWebhooks(); err != nil {
		// A masked user may only turn a webhook on or off (an edit of Id
		// and Active alone): anything else could point whole records at
		// their own URL or probe masked values with a Filter.
		for k := range fields {
			if !edit || (k != "id" && k != "active") {
				return nil, err
			}
		}
	}
	given := map[string]bool{}
	var bad []fc.FieldError
	fail := func(name, msg string, raw json.RawMessage) {
		bad = append(bad, fc.FieldError{Property: name, Message: msg, AttemptedValue: attempted(raw)})
	}
	if edit {
		raw, ok := fields["id"]
		var id int64
		if !ok || json.Unmarshal(raw, &id) != nil || id < 1 {
			fail("Id", "must be the id of the webhook to change", raw)
			return nil, fc.InvalidFields(bad)
		}
		stored, err := s.webhooks.Store.FindWebhookByID(r.Context(), caller.Scope, id)
		if err != nil {
			return nil, err
		}
		*hook, *base = *stored, *stored
		// base keeps what was read: the body is decoded into hook's
		// optional fields, which must not write through into base's.
		base.BusinessID, base.SystemID = clonePtr(stored.BusinessID), clonePtr(stored.SystemID)
	}
	// str reads a string field; its content is the Validator's to check.
	str := func(name string, dst *string, required bool) {
		raw, ok := fields[strings.ToLower(name)]
		if !ok {
			if required && !edit {
				fail(name, "is required", nil)
			}
			return
		}
		given[strings.ToLower(name)] = true
		var v *string
		if json.Unmarshal(raw, &v) != nil || (v == nil && required) {
			fail(name, "must be a string", raw)
			return
		}
		if v == nil {
			*dst = ""
			return
		}
		*dst = *v
	}
	str("Name", &hook.Name, true)
	str("Description", &hook.Description, false)
	str("URL", &hook.URL, true)
	str("Filter", &hook.Filter, false)
	str("Secret", &hook.Secret, false)
	if raw, ok := fields["systemid"]; ok {
		var v *string
		if json.Unmarshal(raw, &v) != nil {
			fail("SystemId", "must be a string or null", raw)
		}
		hook.SystemID = v
	}
	actionOK := true
	if raw, ok := fields["action"]; ok {
		given["action"] = true
		if json.Unmarshal(raw, &hook.Action) != nil {
			fail("Action", "must be 63 (FailedCheckin), 47 (CheckinCreated) or 1001 (AlertIncident)", raw)
			actionOK = false
		}
	} else if !edit {
		fail("Action", "is required: 63 (FailedCheckin), 47 (CheckinCreated) or 1001 (AlertIncident)", nil)
		actionOK = false
	}
	if raw, ok := fields["active"]; ok {
		if json.Unmarshal(raw, &hook.Active) != nil {
			fail("Active", "must be true or false", raw)
		}
	}
	raw, businessGiven := fields["businessid"]
	businessOK := true
	if businessGiven {
		if json.Unmarshal(raw, &hook.BusinessID) != nil {
			fail("BusinessId", "must be a location id or null", raw)
			businessOK = false
		}
	}
	// A field that did not decode is reported once, above, and not
	// checked again.
	reported := map[string]bool{}
	for _, e := range bad {
		reported[strings.ToLower(e.Property)] = true
	}
	c := webhook.Changes{Name: given["name"] && !reported["name"], Description: given["description"] && !reported["description"],
		URL: given["url"] && !reported["url"], Filter: given["filter"] && !reported["filter"],
		Secret: given["secret"] && !reported["secret"], Action: given["action"] && actionOK,
		BusinessID: (businessGiven || !edit) && businessOK}
	v := webhook.Validator{Scope: caller.Scope, AllowPrivate: s.webhooks.AllowPrivate, Resolver: s.webhooks.Resolver}
	problems, err := v.Validate(r.Context(), hook, c)
	if err != nil {
		return nil, err
	}
	for _, e := range problems {
		// The value as sent, never a secret (the Filter's problems
		// carry the filter already).
		if e.AttemptedValue == "" && e.Property != "Secret" {
			e.AttemptedValue = attempted(fields[strings.ToLower(e.Property)])
		}
		bad = append(bad, e)
	}
	if len(bad) > 0 {
		return nil, fc.InvalidFields(bad)
	}
	return given, nil
}

// RenderDelivery is the body of a webhook delivery (webhook.Render): a
// JSON array holding the record exactly as get-one answers it now, read
// within d.Scope, with the record's location; or the payload fixed when
// the delivery was queued (location 0).
func (s *Server) RenderDelivery(ctx context.Context, d *fc.WebhookDelivery) ([]byte, int64, error) {
	if d.Body != nil {
		return []byte(*d.Body), 0, nil
	}
	// The webhook's location as it is now: a record outside it is not
	// found, and the delivery fails for good (fc.WebhookDelivery.Scope).
	scope := fc.AllBusinesses()
	if d.Scope != nil {
		scope = fc.BusinessScope(*d.Scope)
	}
	var rec any
	var business int64
	switch d.Action {
	case fc.ActionFailedCheckin:
		r, err := s.store.FindFailedCheckinByID(ctx, scope, d.RecordID)
		if err != nil {
			return nil, 0, err
		}
		rec, business = toFailedCheckinJSON(r), r.BusinessID
	case fc.ActionCheckinCreated:
		if s.checkins == nil {
			return nil, 0, fc.Errorf(fc.ErrNotFound, "no check-in store")
		}
		c, err := s.checkins.Store.FindCheckinByID(ctx, scope, d.RecordID)
		if err != nil {
			return nil, 0, err
		}
		rec, business = toCheckinJSON(c), c.BusinessID
	default:
		return nil, 0, fc.Errorf(fc.ErrNotFound, "action %d has no record", d.Action)
	}
	body, err := deliveryBody(rec)
	return body, business, err
}

// deliveryBody is the body of a delivery of rec (get-one's JSON of the
// record): a JSON array holding it.
func deliveryBody(rec any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as writeJSON answers get-one
	if err := enc.Encode([]any{rec}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// RenderDeliveries is webhook.RenderAll: the bodies of several
// FailedCheckins, as RenderDelivery renders each (read in every location,
// with its location), read with one query (the live streams' read of
// records by Id, fc.RecordTailStore) instead of one per record. Other
// actions, and records it does not find, are left to RenderDelivery.
func (s *Server) RenderDeliveries(ctx context.Context, recs []webhook.Record) (map[webhook.Record]webhook.Body, error) {
	tails := s.streams.store
	var ids []int64
	for _, r := range recs {
		if r.Action == fc.ActionFailedCheckin {
			ids = append(ids, r.ID)
		}
	}
	out := make(map[webhook.Record]webhook.Body, len(ids))
	if tails == nil || len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// The list padded to a power of two with its last Id: the
	// statement's text depends on the count, and the store caches few.
	in := ids
	for n := 1; ; n *= 2 {
		if n >= len(ids) {
			for len(in) < n {
				in = append(in, ids[len(ids)-1])
			}
			break
		}
	}
	q := fc.Query{Scope: fc.AllBusinesses(), Conditions: []fc.Condition{fc.In(fc.FieldID, in...)}}
	got, err := tails.FailedCheckinsAfter(ctx, q, ids[0]-1, len(ids))
	if err != nil {
		return nil, err
	}
	for _, r := range got {
		body, err := deliveryBody(toFailedCheckinJSON(r))
		if err != nil {
			return nil, err
		}
		out[webhook.Record{Action: fc.ActionFailedCheckin, ID: r.ID}] = webhook.Body{Body: body, Business: r.BusinessID}
	}
	return out, nil
}

// clonePtr returns a copy of the value p points to, or nil.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
