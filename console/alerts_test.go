package console_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/console"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// alertBackend is the test store with alerts.
type alertBackend interface {
	storetest.WebhookBackend
	fc.AlertStore
}

// TestAlertsPage: the alerts page lists the open incidents of the
// session's locations with their refusals and rules; acknowledge needs
// the CSRF token and AlertIncident-Edit, and another location's incident
// is a 404; a user without AlertIncident-List has no page and no link.
func TestAlertsPage(t *testing.T) {
	var db alertBackend
	e := newEnvWith(t, func(s envStore, cfg *console.Config) {
		var ok bool
		if db, ok = s.(alertBackend); !ok {
			t.Fatalf("store %T has no alerts", s)
		}
		cfg.Webhooks, cfg.Alerts = db, db
	})
	storetest.ImportTestDirectory(t, db)
	ctx := context.Background()
	roles := []string{fc.RoleFailedCheckinList, fc.RoleFailedCheckinRead, fc.RoleAlertIncidentList, fc.RoleAlertIncidentEdit,
		fc.RoleAlertRuleList}
	addUser(t, e.db, "one@example.com", &fc.User{Roles: roles, Businesses: []int64{1}})
	addUser(t, e.db, "two@example.com", &fc.User{Roles: roles, Businesses: []int64{2}})
	for _, b := range []int64{1, 2} {
		r := &fc.AlertRule{Name: fmt.Sprintf("door %d", b), BusinessID: &b, Active: true, GroupBy: []fc.Field{fc.FieldCoworkerID},
			Threshold: 2, WindowMinutes: 10, RepeatMinutes: 240, ResolveMinutes: 10}
		if err := db.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	var refused []int64
	for range 2 {
		a := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: time.Now().UTC(), CoworkerID: new(int64(999))}
		res, err := db.RecordAttempts(ctx, []*fc.Attempt{a})
		if err != nil || res[0].Outcome.Accepted {
			t.Fatalf("RecordAttempts = %+v, %v", res, err)
		}
		refused = append(refused, res[0].Outcome.ID)
	}
	p, err := db.FindAlertIncidents(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: 1, Size: 10})
	if err != nil || p.TotalItems != 1 {
		t.Fatalf("incidents = %+v, %v", p, err)
	}
	id := p.Records[0].ID

	two := e.client(t)
	e.signIn(t, two, "two@example.com")
	status, page := get(t, two, e.srv.URL+"/console/alerts")
	if status != 200 || !strings.Contains(page, fmt.Sprintf(`id="incident-%d"`, id)) || !strings.Contains(page, `id="nav-alerts"`) ||
		!strings.Contains(page, fmt.Sprintf(`href="/console/failedcheckins/%d"`, refused[1])) || !strings.Contains(page, "door 2") ||
		strings.Contains(page, "door 1") || !strings.Contains(page, fmt.Sprintf(`id="ack-%d"`, id)) {
		t.Fatalf("location 2's alerts page = %d:\n%s", status, page)
	}
	csrf := csrfOf(t, page)

	one := e.client(t)
	e.signIn(t, one, "one@example.com")
	if _, page := get(t, one, e.srv.URL+"/console/alerts"); strings.Contains(page, fmt.Sprintf(`id="incident-%d"`, id)) || !strings.Contains(page, "door 1") {
		t.Errorf("location 1 sees location 2's incident, or not its own rule:\n%s", page)
	}
	_, onePage := get(t, one, e.srv.URL+"/console/alerts")
	ack := fmt.Sprintf("%s/console/alerts/incidents/%d/acknowledge", e.srv.URL, id)
	if status, _, _ := post(t, one, ack, url.Values{"csrf": {csrfOf(t, onePage)}}); status != 404 {
		t.Errorf("location 1 acknowledges location 2's incident: %d; want 404", status)
	}
	if status, _, _ := post(t, two, ack, url.Values{"csrf": {"wrong"}}); status != 403 {
		t.Errorf("acknowledge without the CSRF token: %d; want 403", status)
	}
	if got, _ := db.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id); got.Status != fc.IncidentOpen {
		t.Fatalf("after refused acknowledgements: %s", got.Status)
	}
	status, _, loc := post(t, two, ack, url.Values{"csrf": {csrf}})
	if status != 303 || !strings.HasPrefix(loc, "/console/alerts?done=acknowledged") {
		t.Fatalf("acknowledge = %d, %q", status, loc)
	}
	if got, _ := db.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id); got.Status != fc.IncidentAcknowledged || *got.AcknowledgedBy != "two@example.com" {
		t.Errorf("incident = %+v; want acknowledged by two", got)
	}

	m := e.client(t)
	e.signIn(t, m, "manager@example.com") // no AlertIncident-List
	if status, _ := get(t, m, e.srv.URL+"/console/alerts"); status != 403 {
		t.Errorf("manager GET /console/alerts = %d; want 403", status)
	}
	if _, page := get(t, m, e.srv.URL+"/console/failedcheckins"); strings.Contains(page, `id="nav-alerts"`) {
		t.Error("the manager's navigation links to the alerts page")
	}
}

// TestMaskedAlertsPage: a masked user's alerts page shows an incident's
// Key with its MAC addresses masked and a rule's Filter redacted, as the
// API does; the administrator's shows them whole.
func TestMaskedAlertsPage(t *testing.T) {
	var db alertBackend
	e := newEnvWith(t, func(s envStore, cfg *console.Config) {
		var ok bool
		if db, ok = s.(alertBackend); !ok {
			t.Fatalf("store %T has no alerts", s)
		}
		cfg.Webhooks, cfg.Alerts = db, db
	})
	storetest.ImportTestDirectory(t, db)
	ctx := context.Background()
	addUser(t, e.db, "masked@example.com", &fc.User{Admin: true, MaskPersonalData: true})
	for _, r := range []*fc.AlertRule{
		{Name: "macs", Active: true, GroupBy: []fc.Field{fc.FieldMacAddresses}, Threshold: 1, WindowMinutes: 10, RepeatMinutes: 240, ResolveMinutes: 10},
		{Name: "probe", Active: true, GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: 5, WindowMinutes: 10, RepeatMinutes: 240,
			ResolveMinutes: 10, Filter: "FailedCheckin_Coworker_FullName=Zed%20Probe"},
	} {
		if err := db.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	a := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: time.Now().UTC(), MacAddresses: "de:ad:be:ef:19:0b"}
	if res, err := db.RecordAttempts(ctx, []*fc.Attempt{a}); err != nil || res[0].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v", res, err)
	}
	masked, admin := e.client(t), e.client(t)
	e.signIn(t, masked, "masked@example.com")
	e.signIn(t, admin, "admin@example.com")
	status, page := get(t, masked, e.srv.URL+"/console/alerts")
	if status != 200 || strings.Contains(page, "de:ad:be:ef") || !strings.Contains(page, "**:**:**:**:19:0b") ||
		strings.Contains(page, "Zed") || !strings.Contains(page, "FailedCheckin_Coworker_FullName=***") {
		t.Errorf("masked alerts page = %d:\n%s", status, page)
	}
	if _, page := get(t, admin, e.srv.URL+"/console/alerts"); !strings.Contains(page, "de:ad:be:ef:19:0b") || !strings.Contains(page, "Zed%20Probe") {
		t.Errorf("administrator's alerts page hides the key or filter:\n%s", page)
	}
}
