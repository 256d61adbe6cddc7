package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/searchparams"
	"github.com/failedcheckins/failedcheckins/webhook"
)

// AlertConfig serves /api/alerts/rules and /api/alerts/incidents
// (docs/api.md#alert-rules, PUSH.md section 3).
type AlertConfig struct {
	Store fc.AlertStore
	// Webhooks checks a rule's webhook receivers (in the caller's scope,
	// with action 1001).
	Webhooks fc.WebhookStore
	// Email says notifications can be sent by email (serve --smtp-url);
	// without it a rule with email receivers is a 400.
	Email bool
}

// alertRuleJSON is a rule on the wire.
type alertRuleJSON struct {
	ID             int64             `json:"Id"`
	UniqueID       string            `json:"UniqueId"`
	BusinessID     *int64            `json:"BusinessId"`
	Name           string            `json:"Name"`
	Active         bool              `json:"Active"`
	Filter         string            `json:"Filter"`
	GroupBy        []string          `json:"GroupBy"`
	Threshold      int               `json:"Threshold"`
	WindowMinutes  int               `json:"WindowMinutes"`
	RepeatMinutes  int               `json:"RepeatMinutes"`
	ResolveMinutes int               `json:"ResolveMinutes"`
	Receivers      fc.AlertReceivers `json:"Receivers"`
	CreatedOn      string            `json:"CreatedOn"`
	UpdatedOn      string            `json:"UpdatedOn"`
	UpdatedBy      *string           `json:"UpdatedBy"`
}

func toAlertRuleJSON(r *fc.AlertRule) alertRuleJSON {
	groupBy := make([]string, len(r.GroupBy))
	for i, f := range r.GroupBy {
		groupBy[i] = string(f)
	}
	rec := r.Receivers
	if rec.Webhooks == nil {
		rec.Webhooks = []int64{}
	}
	if rec.Emails == nil {
		rec.Emails = []string{}
	}
	return alertRuleJSON{ID: r.ID, UniqueID: r.UniqueID, BusinessID: r.BusinessID, Name: r.Name, Active: r.Active,
		Filter: r.Filter, GroupBy: groupBy, Threshold: r.Threshold, WindowMinutes: r.WindowMinutes,
		RepeatMinutes: r.RepeatMinutes, ResolveMinutes: r.ResolveMinutes, Receivers: rec,
		CreatedOn: formatUTC(r.CreatedOn), UpdatedOn: formatUTC(r.UpdatedOn), UpdatedBy: r.UpdatedBy}
}

// toCallerAlertRuleJSON is toAlertRuleJSON as the caller may see it: for
// a masked caller, the values of the Filter's personal parameters are
// searchparams.Redacted (they are values another user typed), as a
// webhook's.
func toCallerAlertRuleJSON(c *fc.Caller, r *fc.AlertRule) alertRuleJSON {
	out := toAlertRuleJSON(r)
	if c.MasksPersonalData() {
		out.Filter = searchparams.RedactPersonal(out.Filter)
	}
	return out
}

// toCallerAlertIncidentJSON is an incident on the wire as the caller may
// see it: a masked caller's with the MAC addresses of its Key masked.
func toCallerAlertIncidentJSON(c *fc.Caller, i *fc.AlertIncident) fc.AlertIncidentJSON {
	return c.MaskAlertIncident(i).JSON("")
}

func (s *Server) listAlertRules(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.AlertRules.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	if q, err = caller.RestrictAlertRules(q); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.alerts.Store.FindAlertRules(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageJSON(q, page.Records, page.TotalItems,
		func(ru *fc.AlertRule) alertRuleJSON { return toCallerAlertRuleJSON(caller, ru) }))
}

func (s *Server) getAlertRule(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	rule, err := s.alerts.Store.FindAlertRuleByID(r.Context(), caller.Scope, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCallerAlertRuleJSON(caller, rule))
}

func (s *Server) createAlertRule(w http.ResponseWriter, r *http.Request) {
	caller := callerFrom(r.Context())
	rule := &fc.AlertRule{Active: true}
	if err := s.readAlertRule(r, rule, caller, false); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.alerts.Store.CreateAlertRule(r.Context(), rule); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "AlertRule was successfully created.", Value: toAlertRuleJSON(rule), WasSuccessful: true})
}

func (s *Server) editAlertRule(w http.ResponseWriter, r *http.Request) {
	caller := callerFrom(r.Context())
	rule := &fc.AlertRule{}
	if err := s.readAlertRule(r, rule, caller, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.alerts.Store.UpdateAlertRule(r.Context(), caller.Scope, rule); err != nil {
		s.writeError(w, r, err)
		return
	}
	saved, err := s.alerts.Store.FindAlertRuleByID(r.Context(), caller.Scope, rule.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "AlertRule was successfully updated.", Value: toCallerAlertRuleJSON(caller, saved), WasSuccessful: true})
}

func (s *Server) deleteAlertRule(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	scope := caller.Scope
	rule, err := s.alerts.Store.FindAlertRuleByID(r.Context(), scope, id)
	if err == nil {
		err = s.alerts.Store.DeleteAlertRule(r.Context(), scope, id)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "AlertRule was successfully deleted.", Value: toCallerAlertRuleJSON(caller, rule), WasSuccessful: true})
}

func (s *Server) listAlertIncidents(w http.ResponseWriter, r *http.Request) {
	q, err := searchparams.AlertIncidents.Parse(r.URL.RawQuery)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	q.Scope = caller.Scope
	page, err := s.alerts.Store.FindAlertIncidents(r.Context(), q)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newPageJSON(q, page.Records, page.TotalItems,
		func(i *fc.AlertIncident) fc.AlertIncidentJSON { return toCallerAlertIncidentJSON(caller, i) }))
}

func (s *Server) getAlertIncident(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	inc, err := s.alerts.Store.FindAlertIncidentByID(r.Context(), caller.Scope, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toCallerAlertIncidentJSON(caller, inc))
}

func (s *Server) acknowledgeAlertIncident(w http.ResponseWriter, r *http.Request) {
	id, err := parseID(r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	caller := callerFrom(r.Context())
	who := caller.Email
	if who == "" {
		who = "user " + strconv.FormatInt(caller.UserID, 10)
	}
	inc, err := s.alerts.Store.AcknowledgeAlertIncident(r.Context(), caller.Scope, id, who)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, commandJSON{Status: 200, Message: "AlertIncident was acknowledged.", Value: toCallerAlertIncidentJSON(caller, inc), WasSuccessful: true})
}

// readAlertRule reads the body of a create (edit false) or an edit into
// rule, the stored rule for an edit, and checks the result. Every bad
// field is named in one 400; nothing is stored on a 400.
func (s *Server) readAlertRule(r *http.Request, rule *fc.AlertRule, caller *fc.Caller, edit bool) error {
	fields, err := readFields(r)
	if err != nil {
		return err
	}
	if err := caller.MayWriteAlertRules(); err != nil {
		// A masked user may only turn a rule on or off (an edit of Id and
		// Active alone): a rule grouping by MacAddresses lists whole MAC
		// addresses, and its Filter would probe masked values.
		for k := range fields {
			if !edit || (k != "id" && k != "active") {
				return err
			}
		}
	}
	var bad []fc.FieldError
	fail := func(name, msg string, raw json.RawMessage) {
		bad = append(bad, fc.FieldError{Property: name, Message: msg, AttemptedValue: attempted(raw)})
	}
	if edit {
		raw, ok := fields["id"]
		var id int64
		if !ok || json.Unmarshal(raw, &id) != nil || id < 1 {
			fail("Id", "must be the id of the rule to change", raw)
			return fc.InvalidFields(bad)
		}
		stored, err := s.alerts.Store.FindAlertRuleByID(r.Context(), caller.Scope, id)
		if err != nil {
			return err
		}
		*rule = *stored
	}
	// read decodes a field into dst; required only on a create.
	read := func(name string, dst any, required bool, msg string) bool {
		raw, ok := fields[strings.ToLower(name)]
		if !ok {
			if required && !edit {
				fail(name, "is required: "+msg, nil)
			}
			return false
		}
		if json.Unmarshal(raw, dst) != nil {
			fail(name, msg, raw)
			return false
		}
		return true
	}
	read("Name", &rule.Name, true, "must be a string")
	read("Filter", &rule.Filter, false, "must be a string")
	read("Active", &rule.Active, false, "must be true or false")
	windowGiven := read("WindowMinutes", &rule.WindowMinutes, true, "must be a number of minutes from 1 to 1440")
	read("Threshold", &rule.Threshold, true, "must be a number from 1")
	repeatGiven := read("RepeatMinutes", &rule.RepeatMinutes, false, "must be a number of minutes from 1 to 525600 (a year)")
	resolveGiven := read("ResolveMinutes", &rule.ResolveMinutes, false, "must be a number of minutes from 1 to 525600 (a year)")
	if !edit && !repeatGiven {
		rule.RepeatMinutes = fc.DefaultRepeatMinutes
	}
	if !resolveGiven && (!edit || (windowGiven && rule.ResolveMinutes == 0)) {
		rule.ResolveMinutes = rule.WindowMinutes
	}
	var groupBy []string
	if read("GroupBy", &groupBy, true, "must be a list of CoworkerId, MacAddresses, BusinessId, Reason, Source") {
		parsed, ok := webhook.ParseGroupBy(groupBy)
		if !ok {
			fail("GroupBy", "must be a list of CoworkerId, MacAddresses, BusinessId, Reason, Source", fields["groupby"])
		}
		rule.GroupBy = parsed
	}
	read("Receivers", &rule.Receivers, false, `must be {"Webhooks": [ids], "Emails": [addresses]}`)
	_, businessGiven := fields["businessid"]
	read("BusinessId", &rule.BusinessID, false, "must be a location id or null")
	// A field that did not decode is reported once, above, and not
	// checked again.
	reported := map[string]bool{}
	for _, e := range bad {
		reported[strings.ToLower(e.Property)] = true
	}
	v := webhook.RuleValidator{Scope: caller.Scope, Webhooks: s.alerts.Webhooks, Email: s.alerts.Email}
	problems, err := v.Validate(r.Context(), rule, businessGiven || !edit, reported)
	if err != nil {
		return err
	}
	for _, e := range problems {
		if e.AttemptedValue == "" {
			e.AttemptedValue = attempted(fields[strings.ToLower(e.Property)])
		}
		bad = append(bad, e)
	}
	if len(bad) > 0 {
		return fc.InvalidFields(bad)
	}
	if email := caller.Email; email != "" {
		rule.UpdatedBy = &email
	}
	return nil
}
