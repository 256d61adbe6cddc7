package console

import (
	"net/http"
	"strconv"
	"strings"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/audit"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// The alerts page (docs/api.md#alert-rules): the session's incidents that
// are not resolved, each with its refusals and, for AlertIncident-Edit, an
// acknowledge button; then its rules. It is /api/alerts by another door:
// the same roles, the same store calls with the session's scope (an
// incident of another location is the same 404 as in the API). A masked
// user sees the keys' MAC addresses masked and the rules' Filters
// redacted, as in the API (PRIVACY.md section 4). The POST
// needs the session's CSRF token, checked before anything is read.

// alertsPageSize bounds the incidents the page shows.
const alertsPageSize = 200

// incidentView is one incident as the page shows it.
type incidentView struct {
	ID                         int64
	RuleName, Key, Location    string
	Status                     string
	FailureCount               int
	Refusals                   []int64
	OpenedOn, LastFailureOn    string
	AcknowledgedBy             string
	CanAcknowledge, MoreThanIn bool
}

// ruleView is one rule as the page shows it.
type ruleView struct {
	ID                              int64
	Name, Location, GroupBy, Filter string
	Threshold, WindowMinutes        int
	Active                          bool
}

type alertsData struct {
	Incidents []incidentView
	Total     int64
	Rules     []ruleView
	ShowRules bool
	Done      string
}

func location(id *int64) string {
	if id == nil {
		return "every location"
	}
	return "location " + strconv.FormatInt(*id, 10)
}

// alertsPage serves GET /console/alerts.
func (c *Console) alertsPage(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Alerts == nil {
		c.notFound(w, r)
		return
	}
	s := sessionFrom(r.Context())
	q, err := searchparams.AlertIncidents.Parse("AlertIncident_Status=Open,Acknowledged&orderBy=OpenedOn&dir=1&size=" +
		strconv.Itoa(alertsPageSize))
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	q.Scope = s.caller.Scope
	page, err := c.cfg.Alerts.FindAlertIncidents(r.Context(), q)
	if err != nil {
		c.internalError(w, r, err)
		return
	}
	d := alertsData{Total: page.TotalItems, Done: r.URL.Query().Get("done")}
	if d.Done != "acknowledged" {
		d.Done = ""
	}
	canAck := s.caller.HasRole(fc.RoleAlertIncidentEdit)
	for _, i := range page.Records {
		v := incidentView{ID: i.ID, RuleName: i.RuleName, Key: s.caller.MaskAlertKey(i.Key), Location: location(i.BusinessID), Status: i.Status,
			FailureCount: i.FailureCount, Refusals: i.FailedCheckinIDs, OpenedOn: formatUTC(i.OpenedOn),
			LastFailureOn: formatUTC(i.LastFailureOn), CanAcknowledge: canAck && i.Status == fc.IncidentOpen,
			MoreThanIn: i.FailureCount > len(i.FailedCheckinIDs)}
		if i.AcknowledgedBy != nil {
			v.AcknowledgedBy = *i.AcknowledgedBy
		}
		d.Incidents = append(d.Incidents, v)
	}
	if s.caller.HasRole(fc.RoleAlertRuleList) {
		d.ShowRules = true
		rules, err := c.cfg.Alerts.FindAlertRules(r.Context(), fc.Query{Scope: s.caller.Scope, OrderBy: fc.FieldID, Page: 1, Size: 1000})
		if err != nil {
			c.internalError(w, r, err)
			return
		}
		for _, ru := range rules.Records {
			fields := make([]string, len(ru.GroupBy))
			for i, f := range ru.GroupBy {
				fields[i] = string(f)
			}
			filter := ru.Filter
			if s.caller.MasksPersonalData() {
				filter = searchparams.RedactPersonal(filter) // values other users typed
			}
			d.Rules = append(d.Rules, ruleView{ID: ru.ID, Name: ru.Name, Location: location(ru.BusinessID),
				GroupBy: strings.Join(fields, ", "), Filter: filter, Threshold: ru.Threshold, WindowMinutes: ru.WindowMinutes,
				Active: ru.Active})
		}
	}
	audit.SetCount(r.Context(), int64(len(d.Incidents)))
	c.render(w, r, http.StatusOK, "alerts", pageData{Title: "Alerts", Body: d})
}

// acknowledgeIncident serves POST /console/alerts/incidents/{id}/acknowledge,
// as POST /api/alerts/incidents/{id}/acknowledge does.
func (c *Console) acknowledgeIncident(w http.ResponseWriter, r *http.Request) {
	if c.cfg.Alerts == nil {
		c.notFound(w, r)
		return
	}
	s := sessionFrom(r.Context())
	if !s.validCSRF(r) {
		c.errorPage(w, r, http.StatusForbidden, "The form was not sent from this console (missing or wrong CSRF token). Nothing was changed.")
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		c.errorPage(w, r, http.StatusNotFound, "There is no such incident.")
		return
	}
	if _, err := c.cfg.Alerts.AcknowledgeAlertIncident(r.Context(), s.caller.Scope, id, s.user.Email); fc.ErrorCode(err) == fc.ErrNotFound {
		c.errorPage(w, r, http.StatusNotFound, "There is no such incident.")
		return
	} else if err != nil {
		c.internalError(w, r, err)
		return
	}
	audit.SetCount(r.Context(), 1)
	http.Redirect(w, r, "/console/alerts?done=acknowledged#incident-"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}
