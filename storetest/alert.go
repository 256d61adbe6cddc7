package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/retention"
)

// AlertBackend is a store with the check-in pipeline, webhooks, alert
// rules and incidents, and a clock the tests set.
type AlertBackend interface {
	WebhookBackend
	fc.AlertStore
	fc.AlertEmailStore
	SetNow(now func() time.Time)
}

// RunAlerts is the conformance suite of alert rules and incidents (PUSH.md
// section 3): the window, joining, repeats, resolution, exactness under
// concurrent attempts, and scope. open must return a new, empty, migrated
// store.
func RunAlerts(t *testing.T, open func(t *testing.T) AlertBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s AlertBackend)
	}{
		{"Repeat", testAlertRepeat},
		{"ResolveWhenQuiet", testAlertResolveQuiet},
		{"CheckinResolves", testAlertCheckinResolves},
		{"Concurrent", testAlertConcurrent},
		{"Scope", testAlertScope},
		{"RuleChanges", testAlertRuleChanges},
		{"Email", testAlertEmail},
		{"Erasure", testAlertErasure},
		{"ErasureWidened", testAlertErasureWidened},
		{"Retention", testAlertRetention},
		{"ReceiverLocation", testAlertReceiverLocation},
		{"DeleteRuleEndsNotifications", testAlertDeleteRuleNotifications},
		{"CheckinThenRefusalInOneBatch", testAlertCheckinThenRefusal},
		{"ManyIncidents", testAlertManyIncidents},
		{"FailedCheckinIdList", testAlertIDList},
		{"JoinedTogether", testAlertJoinedTogether},
		{"AfterErasure", testAlertAfterErasure},
		{"AfterRetention", testAlertAfterRetention},
		{"AfterRuleDeleted", testAlertAfterRuleDeleted},
	}
	t.Run("Window", func(t *testing.T) { runAlertWindow(t, open) })
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// alertT0 is the clock of the alert tests when they start.
var alertT0 = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable store clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func alertSetup(t *testing.T, s AlertBackend, rule *fc.AlertRule) (*clock, *fc.Webhook) {
	t.Helper()
	c := &clock{now: alertT0}
	s.SetNow(c.Now)
	ImportTestDirectory(t, s)
	hook := newHook(t, s, "incidents", fc.ActionAlertIncident, nil, "")
	if rule != nil {
		rule.Receivers.Webhooks = []int64{hook.ID}
		if err := s.CreateAlertRule(context.Background(), rule); err != nil {
			t.Fatalf("CreateAlertRule: %v", err)
		}
	}
	return c, hook
}

// benRule counts Ben's refusals at Paris: 3 in 10 minutes, by coworker.
func benRule() *fc.AlertRule {
	return &fc.AlertRule{Name: "stuck", Active: true, Filter: "FailedCheckin_Reason=LocationNotAllowed",
		GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: 3, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 30}
}

// benRefused is an attempt of Ben's (coworker 11, London only) at Paris,
// refused, at the clock's time plus offset.
func benRefused(c *clock, offset time.Duration) *fc.Attempt {
	a := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: c.Now().Add(offset), AccessCardID: "04a2b3c4"}
	return a
}

func refuse(t *testing.T, s AlertBackend, as ...*fc.Attempt) []int64 {
	t.Helper()
	var ids []int64
	for _, r := range record(t, s, as...) {
		if r.Err != nil || r.Outcome.Accepted {
			t.Fatalf("attempt = %+v, %v; want a refusal", r.Outcome, r.Err)
		}
		ids = append(ids, r.Outcome.ID)
	}
	return ids
}

func incidents(t *testing.T, s AlertBackend, scope fc.Scope) []*fc.AlertIncident {
	t.Helper()
	p, err := s.FindAlertIncidents(context.Background(), fc.Query{Scope: scope, Page: 1, Size: 100, OrderBy: fc.FieldID})
	if err != nil {
		t.Fatalf("FindAlertIncidents: %v", err)
	}
	return p.Records
}

// events claims the queued incident deliveries and returns
// "Event/IncidentId/FailureCount" of each, in order.
func events(t *testing.T, s AlertBackend) []string {
	t.Helper()
	far := alertT0.Add(1000 * time.Hour)
	jobs, err := s.ClaimDeliveries(context.Background(), "test", far, far.Add(time.Hour), 1000)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	var out []string
	for _, j := range jobs {
		d := j.Delivery
		if d.Action != fc.ActionAlertIncident || d.Body == nil {
			t.Errorf("delivery %+v; want action 1001 with a body", d)
			continue
		}
		var body []map[string]any
		if err := json.Unmarshal([]byte(*d.Body), &body); err != nil || len(body) != 1 {
			t.Errorf("body %s: %v; want an array of one", *d.Body, err)
			continue
		}
		if int64(body[0]["Id"].(float64)) != d.RecordID {
			t.Errorf("body Id %v, RecordId %d", body[0]["Id"], d.RecordID)
		}
		out = append(out, fmt.Sprintf("%s/%d/%v", body[0]["Event"], d.RecordID, body[0]["FailureCount"]))
		if err := s.FinishDelivery(context.Background(), "test", fc.DeliveryResult{DeliveryID: d.ID, WebhookID: d.WebhookID,
			At: far, Delivered: true}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// runAlertWindow is the table test of the window logic: each case is a
// fresh store with benRule (3 refusals within 10 minutes) and refusals
// at the given offsets from the clock, recorded in that order.
func runAlertWindow(t *testing.T, open func(t *testing.T) AlertBackend) {
	m := time.Minute
	cases := []struct {
		name    string
		offsets []time.Duration
		other   int // refusals of another key (an unknown coworker at Paris)
		want    []int
	}{
		{"N-1 opens nothing", []time.Duration{-5 * m, -3 * m}, 0, nil},
		{"N-th opens one", []time.Duration{-5 * m, -3 * m, -1 * m}, 0, []int{3}},
		{"outside the window does not count", []time.Duration{-30 * m, -5 * m, -1 * m}, 0, nil},
		{"exactly the window apart does not count", []time.Duration{-10 * m, -5 * m, 0}, 0, nil},
		{"a backlog counts by attempt time", []time.Duration{-1 * m, -9 * m, -5 * m}, 0, []int{3}},
		{"a backlog exactly the window apart does not count", []time.Duration{0, -5 * m, -10 * m}, 0, nil},
		{"just inside the window counts", []time.Duration{-10 * m, -5 * m, -time.Second}, 0, []int{3}},
		{"older than 24 hours does not count", []time.Duration{-25 * time.Hour, -25*time.Hour + m, -25*time.Hour + 2*m}, 0, nil},
		{"later ones join", []time.Duration{-5 * m, -4 * m, -3 * m, -2 * m, -1 * m}, 0, []int{5}},
		{"another key opens its own", []time.Duration{-5 * m, -3 * m, -1 * m}, 3, []int{3, 3}},
		{"another key below the threshold", []time.Duration{-5 * m, -3 * m, -1 * m}, 2, []int{3}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			rule := benRule()
			rule.Filter = "" // the unknown coworker's reason differs
			c, _ := alertSetup(t, s, rule)
			var ids []int64
			for _, off := range tc.offsets {
				ids = append(ids, refuse(t, s, benRefused(c, off))...)
			}
			for i := 0; i < tc.other; i++ {
				a := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: c.Now().Add(-time.Duration(i) * m),
					CoworkerID: ptr[int64](999)}
				refuse(t, s, a)
			}
			got := incidents(t, s, fc.AllBusinesses())
			var counts []int
			for _, i := range got {
				counts = append(counts, i.FailureCount)
				if i.Status != fc.IncidentOpen || i.RuleID != rule.ID || i.RuleName != "stuck" || !i.OpenedOn.Equal(alertT0) {
					t.Errorf("incident %+v", i)
				}
			}
			if !slices.Equal(counts, tc.want) {
				t.Fatalf("incidents' FailureCounts = %v; want %v", counts, tc.want)
			}
			if len(got) > 0 {
				first := got[0]
				if first.Key != `{"CoworkerId":11}` || len(first.FailedCheckinIDs) != first.FailureCount {
					t.Errorf("first incident = %+v; want key of coworker 11 and its refusals' ids", first)
				}
				for _, id := range first.FailedCheckinIDs {
					if !slices.Contains(ids, id) {
						t.Errorf("FailedCheckinIds %v holds %d, not one of Ben's %v", first.FailedCheckinIDs, id, ids)
					}
				}
				// The Opened notification carries the incident as it
				// opened: Threshold refusals.
				var want []string
				for _, i := range got {
					want = append(want, fmt.Sprintf("Opened/%d/3", i.ID))
				}
				if ev := events(t, s); !slices.Equal(ev, want) {
					t.Errorf("notifications = %v; want %v", ev, want)
				}
			}
		})
	}
}

func testAlertRepeat(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, s, benRule())
	m := time.Minute
	refuse(t, s, benRefused(c, -2*m), benRefused(c, -m))
	refuse(t, s, benRefused(c, 0))
	inc := incidents(t, s, fc.AllBusinesses())
	if len(inc) != 1 {
		t.Fatalf("incidents = %d; want 1", len(inc))
	}
	id := inc[0].ID
	c.Add(30 * m) // inside RepeatMinutes (60): joins, no repeat
	refuse(t, s, benRefused(c, 0))
	c.Add(29 * m) // 59 minutes since the notification
	refuse(t, s, benRefused(c, 0))
	c.Add(m) // 60: repeats
	refuse(t, s, benRefused(c, 0))
	c.Add(10 * m) // 10 minutes after the repeat: none
	refuse(t, s, benRefused(c, 0))
	want := []string{fmt.Sprintf("Opened/%d/3", id), fmt.Sprintf("Repeated/%d/6", id)}
	if ev := events(t, s); !slices.Equal(ev, want) {
		t.Fatalf("notifications = %v; want %v", ev, want)
	}
	got, err := s.AcknowledgeAlertIncident(ctx, fc.AllBusinesses(), id, "ops@example.com")
	if err != nil || got.Status != fc.IncidentAcknowledged || *got.AcknowledgedBy != "ops@example.com" {
		t.Fatalf("Acknowledge = %+v, %v", got, err)
	}
	c.Add(2 * time.Hour)
	refuse(t, s, benRefused(c, 0))
	if ev := events(t, s); len(ev) != 0 {
		t.Errorf("after the acknowledgement: notifications %v; want none", ev)
	}
	got, err = s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id)
	if err != nil || got.Status != fc.IncidentAcknowledged || got.FailureCount != 8 || !got.LastFailureOn.Equal(c.Now()) {
		t.Errorf("incident = %+v, %v; want acknowledged with 8 refusals, the last now", got, err)
	}
}

func testAlertResolveQuiet(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, s, benRule()) // ResolveMinutes 30
	m := time.Minute
	refuse(t, s, benRefused(c, -2*m), benRefused(c, -m), benRefused(c, 0))
	id := incidents(t, s, fc.AllBusinesses())[0].ID
	c.Add(29 * m)
	if n, err := s.SweepAlerts(ctx); n != 0 || err != nil {
		t.Fatalf("sweep after 29 quiet minutes = %d, %v; want 0", n, err)
	}
	refuse(t, s, benRefused(c, 0)) // joins: the quiet starts again
	c.Add(29 * m)
	if n, err := s.SweepAlerts(ctx); n != 0 || err != nil {
		t.Fatalf("sweep 29 minutes after the join = %d, %v; want 0", n, err)
	}
	c.Add(m)
	if n, err := s.SweepAlerts(ctx); n != 1 || err != nil {
		t.Fatalf("sweep 30 minutes after the join = %d, %v; want 1", n, err)
	}
	got, err := s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id)
	if err != nil || got.Status != fc.IncidentResolved || got.ResolvedOn == nil || !got.ResolvedOn.Equal(c.Now()) {
		t.Fatalf("incident = %+v, %v; want resolved now", got, err)
	}
	want := []string{fmt.Sprintf("Opened/%d/3", id), fmt.Sprintf("Resolved/%d/4", id)}
	if ev := events(t, s); !slices.Equal(ev, want) {
		t.Fatalf("notifications = %v; want %v", ev, want)
	}
	// A new run of refusals counts afresh: two do not open, three do.
	refuse(t, s, benRefused(c, 0), benRefused(c, 0))
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 1 {
		t.Fatalf("after two new refusals: %d incidents; want the resolved one only", len(got))
	}
	refuse(t, s, benRefused(c, 0))
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 2 || got[1].Status != fc.IncidentOpen {
		t.Fatalf("after three new refusals: %+v; want a second, open incident", got)
	}
}

func testAlertCheckinResolves(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, s, benRule())
	m := time.Minute
	refuse(t, s, benRefused(c, -2*m), benRefused(c, -m), benRefused(c, 0))
	id := incidents(t, s, fc.AllBusinesses())[0].ID
	// An accepted check-in of another coworker, or of Ben elsewhere,
	// resolves nothing.
	ana := &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: c.Now(), CoworkerID: ptr[int64](10)}
	london := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, FromTime: c.Now(), AccessCardID: "04a2b3c4"}
	for _, r := range record(t, s, ana, london) {
		if r.Err != nil || !r.Outcome.Accepted {
			t.Fatalf("attempt = %+v, %v; want accepted", r.Outcome, r.Err)
		}
	}
	if got, _ := s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id); got.Status != fc.IncidentOpen {
		t.Fatalf("incident = %+v; want still open", got)
	}
	// Ben's plan now covers Paris: his next check-in there is accepted.
	upd, _ := fc.ParseDirectory(strings.NewReader(`{"Coworkers": [{"Id": 11, "FullName": "Ben Okafor", "Active": true, "TariffId": 1, "AccessCards": ["04A2B3C4"]}]}`))
	if err := s.ImportDirectory(ctx, upd); err != nil {
		t.Fatal(err)
	}
	c.Add(m)
	if r := record(t, s, benRefused(c, 0)); r[0].Err != nil || !r[0].Outcome.Accepted {
		t.Fatalf("Ben at Paris = %+v, %v; want accepted", r[0].Outcome, r[0].Err)
	}
	got, err := s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id)
	if err != nil || got.Status != fc.IncidentResolved || !got.ResolvedOn.Equal(c.Now()) {
		t.Fatalf("incident = %+v, %v; want resolved at once", got, err)
	}
	want := []string{fmt.Sprintf("Opened/%d/3", id), fmt.Sprintf("Resolved/%d/3", id)}
	if ev := events(t, s); !slices.Equal(ev, want) {
		t.Fatalf("notifications = %v; want %v", ev, want)
	}
}

// testAlertConcurrent: 16 clients refused at once, each its own call (the
// store's group commit batches them as it likes): exactly one incident
// holding every refusal.
func testAlertConcurrent(t *testing.T, s AlertBackend) {
	c, _ := alertSetup(t, s, benRule())
	const clients = 16
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.RecordAttempts(context.Background(), []*fc.Attempt{benRefused(c, 0)})
			if err == nil && (res[0].Err != nil || res[0].Outcome.Accepted) {
				err = fmt.Errorf("attempt = %+v, %v", res[0].Outcome, res[0].Err)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 1 || got[0].FailureCount != clients || len(got[0].FailedCheckinIDs) != clients {
		t.Fatalf("incidents = %+v; want one with %d refusals", got, clients)
	}
	if ev := events(t, s); len(ev) != 1 {
		t.Errorf("notifications = %v; want one Opened", ev)
	}
}

func testAlertScope(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	paris := benRule()
	paris.BusinessID = ptr[int64](2)
	c, _ := alertSetup(t, s, paris)
	london := benRule()
	london.Name, london.BusinessID = "london", ptr[int64](1)
	if err := s.CreateAlertRule(ctx, london); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	inc := incidents(t, s, fc.AllBusinesses())
	if len(inc) != 1 || inc[0].RuleID != paris.ID || *inc[0].BusinessID != 2 {
		t.Fatalf("incidents = %+v; want one of the Paris rule (the London rule does not count Paris)", inc)
	}
	londonOnly := fc.BusinessScope(1)
	if _, err := s.FindAlertRuleByID(ctx, londonOnly, paris.ID); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("London reads the Paris rule: %v", err)
	}
	if _, err := s.FindAlertIncidentByID(ctx, londonOnly, inc[0].ID); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("London reads the Paris incident: %v", err)
	}
	if _, err := s.AcknowledgeAlertIncident(ctx, londonOnly, inc[0].ID, "x"); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("London acknowledges the Paris incident: %v", err)
	}
	if got := incidents(t, s, londonOnly); len(got) != 0 {
		t.Errorf("London lists incidents %+v", got)
	}
	edit := *paris
	edit.Name = "taken"
	if err := s.UpdateAlertRule(ctx, londonOnly, &edit); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("London edits the Paris rule: %v", err)
	}
	if err := s.DeleteAlertRule(ctx, londonOnly, paris.ID); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("London deletes the Paris rule: %v", err)
	}
	p, err := s.FindAlertRules(ctx, fc.Query{Scope: londonOnly, Page: 1, Size: 10, OrderBy: fc.FieldID})
	if err != nil || p.TotalItems != 1 || p.Records[0].ID != london.ID {
		t.Errorf("London's rules = %+v, %v; want the London rule only", p, err)
	}
	got, err := s.FindAlertRuleByID(ctx, fc.BusinessScope(2), paris.ID)
	if err != nil || got.Name != "stuck" || !slices.Equal(got.GroupBy, []fc.Field{fc.FieldCoworkerID}) || got.Threshold != 3 ||
		got.WindowMinutes != 10 || got.RepeatMinutes != 60 || got.ResolveMinutes != 30 || len(got.Receivers.Webhooks) != 1 {
		t.Errorf("FindAlertRuleByID = %+v, %v", got, err)
	}
}

// testAlertRuleChanges: a rule turned off counts nothing (the cache
// follows the version); deleting it deletes its incidents.
func testAlertRuleChanges(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := benRule()
	c, _ := alertSetup(t, s, rule)
	refuse(t, s, benRefused(c, 0), benRefused(c, 0)) // loads the cache
	rule.Active = false
	if err := s.UpdateAlertRule(ctx, fc.AllBusinesses(), rule); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, benRefused(c, 0), benRefused(c, 0))
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 0 {
		t.Fatalf("an inactive rule opened %+v", got)
	}
	rule.Active = true
	if err := s.UpdateAlertRule(ctx, fc.AllBusinesses(), rule); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, benRefused(c, 0))
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 1 || got[0].FailureCount != 3 {
		t.Fatalf("incidents = %+v; want one of 3 (two counted before the pause, one after)", got)
	}
	if err := s.DeleteAlertRule(ctx, fc.AllBusinesses(), rule.ID); err != nil {
		t.Fatal(err)
	}
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 0 {
		t.Fatalf("incidents of a deleted rule: %+v", got)
	}
}

// RunAlertTwoServers checks exactness across servers: a and b are two
// stores on one database (two servers). 16 clients refused at once, half
// through each, make exactly one incident holding every refusal and one
// Opened notification; both servers sweeping at once resolve it once.
func RunAlertTwoServers(t *testing.T, a, b AlertBackend) {
	c, _ := alertSetup(t, a, benRule())
	b.SetNow(c.Now)
	const clients = 16
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.RecordAttempts(context.Background(), []*fc.Attempt{benRefused(c, 0)})
			if err == nil && (res[0].Err != nil || res[0].Outcome.Accepted) {
				err = fmt.Errorf("attempt = %+v, %v", res[0].Outcome, res[0].Err)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := incidents(t, b, fc.AllBusinesses())
	if len(got) != 1 || got[0].FailureCount != clients {
		t.Fatalf("incidents = %+v; want one with %d refusals", got, clients)
	}
	c.Add(31 * time.Minute) // benRule resolves after 30 quiet minutes
	counts := make(chan int, 2)
	for _, s := range []AlertBackend{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := s.SweepAlerts(context.Background())
			if err != nil {
				t.Error(err)
			}
			counts <- n
		}()
	}
	wg.Wait()
	close(counts)
	total := 0
	for n := range counts {
		total += n
	}
	if total != 1 {
		t.Errorf("the two sweeps resolved %d incidents; want 1", total)
	}
	want := []string{fmt.Sprintf("Opened/%d/3", got[0].ID), fmt.Sprintf("Resolved/%d/%d", got[0].ID, clients)}
	if ev := events(t, a); !slices.Equal(ev, want) {
		t.Errorf("notifications = %v; want %v", ev, want)
	}
}

// testAlertEmail: a rule with email receivers queues one email per event,
// with the incident in its text, in the incident's transaction; a claim
// leases it, a failed attempt is due again at the time given, a sent one
// is not claimed again.
func testAlertEmail(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := benRule()
	rule.Receivers.Emails = []string{"ops@example.com", "desk@example.com"}
	c, _ := alertSetup(t, s, rule)
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	id := incidents(t, s, fc.AllBusinesses())[0].ID
	now := c.Now()
	got, err := s.ClaimAlertEmails(ctx, "a", now, now.Add(time.Minute), 10)
	if err != nil || len(got) != 1 {
		t.Fatalf("ClaimAlertEmails = %+v, %v; want one", got, err)
	}
	m := got[0]
	if m.IncidentID != id || !slices.Equal(m.Recipients, rule.Receivers.Emails) || !strings.Contains(m.Subject, "Opened: stuck") ||
		!strings.Contains(m.Body, "Refusals: 3") || !strings.Contains(m.Body, `{"CoworkerId":11}`) {
		t.Fatalf("email = %+v", m)
	}
	if again, _ := s.ClaimAlertEmails(ctx, "b", now, now.Add(time.Minute), 10); len(again) != 0 {
		t.Fatalf("a leased email was claimed again: %+v", again)
	}
	next := now.Add(30 * time.Second)
	if err := s.FinishAlertEmail(ctx, "a", m.ID, false, &next, "connection refused"); err != nil {
		t.Fatal(err)
	}
	if early, _ := s.ClaimAlertEmails(ctx, "b", now.Add(29*time.Second), now.Add(time.Hour), 10); len(early) != 0 {
		t.Fatalf("claimed before its retry: %+v", early)
	}
	retry, err := s.ClaimAlertEmails(ctx, "b", next, next.Add(time.Minute), 10)
	if err != nil || len(retry) != 1 || retry[0].Attempts != 1 {
		t.Fatalf("retry = %+v, %v", retry, err)
	}
	if err := s.FinishAlertEmail(ctx, "b", m.ID, true, nil, ""); err != nil {
		t.Fatal(err)
	}
	if after, _ := s.ClaimAlertEmails(ctx, "c", now.Add(time.Hour), now.Add(2*time.Hour), 10); len(after) != 0 {
		t.Fatalf("a sent email was claimed again: %+v", after)
	}
}

// testAlertErasure: erasing a person removes what the alerts keep about
// them (PRIVACY.md section 2): the incident's key keeps its fields with
// their values null, loses its coworker and is resolved; its webhook
// notification and email not yet sent end unsent, with a notice in place
// of what named them.
func testAlertErasure(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	privacy, ok := s.(fc.PrivacyStore)
	if !ok {
		t.Fatalf("store %T cannot erase", s)
	}
	rule := benRule()
	rule.Receivers.Emails = []string{"ops@example.com"}
	c, _ := alertSetup(t, s, rule)
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	before := incidents(t, s, fc.AllBusinesses())
	if len(before) != 1 || before[0].Key != `{"CoworkerId":11}` {
		t.Fatalf("incidents before the erasure = %+v; want Ben's", before)
	}
	if n, err := privacy.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: 11}, "dpo@example.com"); err != nil || n != 3 {
		t.Fatalf("ErasePerson(11) = %d, %v; want his 3 refusals", n, err)
	}
	after := incidents(t, s, fc.AllBusinesses())
	if len(after) != 1 {
		t.Fatalf("incidents after the erasure = %+v; want the one", after)
	}
	if after[0].Key != `{"CoworkerId":null}` || after[0].CoworkerID != nil || after[0].Status != fc.IncidentResolved {
		t.Errorf("incident after the erasure = %+v; want key {\"CoworkerId\":null}, no coworker, resolved", after[0])
	}
	far := c.Now().Add(1000 * time.Hour)
	if jobs, err := s.ClaimDeliveries(ctx, "test", far, far.Add(time.Hour), 100); err != nil || len(jobs) != 0 {
		t.Errorf("incident notifications still to send after the erasure: %d, %v", len(jobs), err)
	}
	endedAt(t, s, c.Now(), 1, "the erasure")
	if mails, err := s.ClaimAlertEmails(ctx, "test", far, far.Add(time.Hour), 100); err != nil || len(mails) != 0 {
		t.Errorf("incident emails still to send after the erasure: %+v, %v", mails, err)
	}
	// Erasing again changes nothing.
	if n, err := privacy.ErasePerson(ctx, fc.ErasureSubject{CoworkerID: 11}, "dpo@example.com"); err != nil || n != 0 {
		t.Errorf("second ErasePerson(11) = %d, %v; want 0", n, err)
	}
}

// testAlertErasureWidened: an erasure by a MAC address the directory does
// not know finds the records of that device, and with them the coworker
// Id they carry (findPerson's one step); incidents keyed by that Id, and
// by the device, are forgotten too.
func testAlertErasureWidened(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	byMAC := &fc.AlertRule{Name: "device", Active: true, GroupBy: []fc.Field{fc.FieldMacAddresses},
		Threshold: 2, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 30}
	c, _ := alertSetup(t, s, benRule())
	if err := s.CreateAlertRule(ctx, byMAC); err != nil {
		t.Fatal(err)
	}
	// Ben (coworker 11, London only) at Paris, from a phone the directory
	// does not list.
	const phone = "02:00:5e:10:00:01"
	var as []*fc.Attempt
	for range 3 {
		a := benRefused(c, 0)
		a.AccessCardID, a.CoworkerID, a.MacAddresses = "", ptr[int64](11), phone
		as = append(as, a)
	}
	refuse(t, s, as...)
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 2 {
		t.Fatalf("incidents before the erasure = %+v; want one by coworker and one by device", got)
	}
	privacy := s.(fc.PrivacyStore)
	if n, err := privacy.ErasePerson(ctx, fc.ErasureSubject{MacAddress: "02-00-5E-10-00-01"}, "dpo@example.com"); err != nil || n != 3 {
		t.Fatalf("ErasePerson(phone) = %d, %v; want the 3 refusals", n, err)
	}
	for _, i := range incidents(t, s, fc.AllBusinesses()) {
		if strings.Contains(i.Key, "11") || strings.Contains(strings.ToLower(i.Key), "02:00:5e") || i.CoworkerID != nil || i.Status != fc.IncidentResolved {
			t.Errorf("incident %d after the erasure by the phone: key %s, coworker %v, %s; want no id or address, resolved",
				i.ID, i.Key, i.CoworkerID, i.Status)
		}
	}
}

// testAlertRetention: the retention windows reach the alert incidents:
// one whose last refusal is older than the window loses the personal
// values of its key as an erasure leaves them; a newer one is kept.
func testAlertRetention(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	privacy := s.(fc.PrivacyStore)
	c, _ := alertSetup(t, s, benRule())
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	if n, err := privacy.RetainAlerts(ctx, c.Now().Add(-time.Minute), 100); err != nil || n != 0 {
		t.Fatalf("RetainAlerts before the incident's refusals = %d, %v; want 0", n, err)
	}
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 1 || got[0].Key != `{"CoworkerId":11}` {
		t.Fatalf("incident kept by a window it is inside: %+v", got)
	}
	if n, err := privacy.RetainAlerts(ctx, c.Now().Add(time.Minute), 100); err != nil || n != 1 {
		t.Fatalf("RetainAlerts after the incident's refusals = %d, %v; want 1", n, err)
	}
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 1 || got[0].Key != `{"CoworkerId":null}` || got[0].CoworkerID != nil || got[0].Status != fc.IncidentResolved {
		t.Fatalf("incident past the window = %+v; want its key's id null, resolved", got)
	}
	if n, err := privacy.RetainAlerts(ctx, c.Now().Add(time.Minute), 100); err != nil || n != 0 {
		t.Errorf("RetainAlerts again = %d, %v; want 0", n, err)
	}
}

// deliveriesTo claims the queued deliveries, finishes them, and returns
// how many went to each webhook.
func deliveriesTo(t *testing.T, s AlertBackend) map[int64]int {
	t.Helper()
	far := alertT0.Add(1000 * time.Hour)
	jobs, err := s.ClaimDeliveries(context.Background(), "test", far, far.Add(time.Hour), 1000)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	out := map[int64]int{}
	for _, j := range jobs {
		out[j.Delivery.WebhookID]++
		if err := s.FinishDelivery(context.Background(), "test", fc.DeliveryResult{DeliveryID: j.Delivery.ID,
			WebhookID: j.Delivery.WebhookID, At: far, Delivered: true}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// testAlertReceiverLocation: a rule's receivers were checked against its
// saver's scope only when it was saved; at queue time a webhook of one
// location is told only of incidents of that location (an incident
// carries its location's refusals), and a webhook of every location of
// all. A webhook moved to another location since follows its new one;
// one deleted since is skipped.
func testAlertReceiverLocation(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, all := alertSetup(t, s, nil)
	london := newHook(t, s, "london", fc.ActionAlertIncident, ptr[int64](1), "")
	rule := benRule()
	rule.GroupBy = []fc.Field{fc.FieldCoworkerID, fc.FieldBusinessID}
	rule.Receivers.Webhooks = []int64{all.ID, london.ID}
	if err := s.CreateAlertRule(ctx, rule); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0)) // Ben at Paris (location 2)
	if got := deliveriesTo(t, s); got[all.ID] != 1 || got[london.ID] != 0 {
		t.Fatalf("deliveries of a Paris incident = %v; want one to %d (every location), none to %d (London)", got, all.ID, london.ID)
	}
	// The London webhook now serves Paris: the next notification reaches it.
	moved := *london
	moved.BusinessID = ptr[int64](2)
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), london, &moved); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Duration(rule.RepeatMinutes) * time.Minute)
	refuse(t, s, benRefused(c, 0))
	if got := deliveriesTo(t, s); got[all.ID] != 1 || got[london.ID] != 1 {
		t.Fatalf("deliveries of the repeat = %v; want one to each webhook", got)
	}
	// A receiver deleted since the rule was saved is skipped: the next
	// repeat reaches the webhook that is left, and the batch is not failed.
	if err := s.DeleteWebhook(ctx, fc.AllBusinesses(), london.ID); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Duration(rule.RepeatMinutes) * time.Minute)
	refuse(t, s, benRefused(c, 0))
	if got := deliveriesTo(t, s); got[all.ID] != 1 || len(got) != 1 {
		t.Fatalf("deliveries after the London webhook was deleted = %v; want one, to %d", got, all.ID)
	}
}

// testAlertDeleteRuleNotifications: deleting a rule deletes its
// incidents, and their webhook notifications and emails not yet sent end
// Failed, saying why, rather than naming an incident that is gone.
func testAlertDeleteRuleNotifications(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := benRule()
	rule.Receivers.Emails = []string{"ops@example.com"}
	c, hook := alertSetup(t, s, rule)
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	if len(incidents(t, s, fc.AllBusinesses())) != 1 {
		t.Fatal("no incident")
	}
	if err := s.DeleteAlertRule(ctx, fc.AllBusinesses(), rule.ID); err != nil {
		t.Fatal(err)
	}
	far := alertT0.Add(1000 * time.Hour)
	if jobs, err := s.ClaimDeliveries(ctx, "test", far, far.Add(time.Hour), 100); err != nil || len(jobs) != 0 {
		t.Errorf("deliveries after the rule was deleted = %d, %v; want none", len(jobs), err)
	}
	if mails, err := s.ClaimAlertEmails(ctx, "test", far, far.Add(time.Hour), 100); err != nil || len(mails) != 0 {
		t.Errorf("emails after the rule was deleted = %d, %v; want none", len(mails), err)
	}
	p, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), hook.ID, 1, 10)
	if err != nil || len(p.Records) != 1 {
		t.Fatalf("deliveries = %+v, %v; want the one", p, err)
	}
	if d := p.Records[0]; d.Status != "Failed" || d.LastError == nil || !strings.Contains(*d.LastError, "rule was deleted") {
		t.Errorf("delivery = %+v; want Failed saying the rule was deleted", d)
	}
	endedAt(t, s, c.Now(), 1, "the rule was deleted")
}

// endedAt checks that the deliveries, n of them, that a change ended
// at ended (rather than sent) count from then in the delivery log's
// retention: kept 29 days after, deleted 31 days after.
func endedAt(t *testing.T, s AlertBackend, ended time.Time, n int, what string) {
	t.Helper()
	ps, ok := s.(fc.PrivacyStore)
	if !ok {
		t.Fatalf("%T is not an fc.PrivacyStore", s)
	}
	for _, w := range []struct{ days, deleted int }{{29, 0}, {31, n}} {
		r := &retention.Runner{Store: ps, Windows: retention.Windows{WebhookLogRetention: 30 * retention.Day},
			Now: func() time.Time { return ended.Add(time.Duration(w.days) * retention.Day) }}
		if res, err := r.RunOnce(context.Background()); err != nil || res.DeliveriesDeleted != w.deleted {
			t.Errorf("the delivery log's retention %d days after %s = %d deleted, %v; want %d",
				w.days, what, res.DeliveriesDeleted, err, w.deleted)
		}
	}
}

// testAlertCheckinThenRefusal: one batch accepts a coworker's check-in,
// which resolves their open incident, and then refuses them again under
// a rule of Threshold 1, which opens the next one. The resolution must
// be written before the new incident (one open incident per key), or the
// whole batch fails and is retried in halves (which the results do not
// show; a TransactionCounter store counts the transactions).
func testAlertCheckinThenRefusal(t *testing.T, s AlertBackend) {
	rule := &fc.AlertRule{Name: "over the limit", Active: true, Filter: "FailedCheckin_Reason=CheckinLimitReached",
		GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: 1, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 525600}
	c, _ := alertSetup(t, s, rule)
	ana := func() *fc.Attempt {
		return &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: c.Now(), CoworkerID: ptr[int64](10)}
	}
	// July: three check-ins (her plan's limit), then a refusal: incident 1.
	res := record(t, s, ana(), ana(), ana(), ana())
	if res[3].Err != nil || res[3].Outcome.Accepted {
		t.Fatalf("fourth check-in = %+v, %v; want refused", res[3].Outcome, res[3].Err)
	}
	first := incidents(t, s, fc.AllBusinesses())
	if len(first) != 1 || first[0].Status != fc.IncidentOpen {
		t.Fatalf("incidents = %+v; want one open", first)
	}
	// August, one batch: accepted (resolves incident 1) ... refused (opens incident 2).
	c.Add(31 * 24 * time.Hour)
	batch := []*fc.Attempt{ana(), ana(), ana(), ana()}
	out := recordOneBatch(t, s, batch)
	for i, r := range out {
		if r.Err != nil || r.Outcome.Accepted != (i < 3) {
			t.Fatalf("August attempt %d = %+v, %v", i, r.Outcome, r.Err)
		}
	}
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 2 || got[0].Status != fc.IncidentResolved || got[1].Status != fc.IncidentOpen ||
		len(got[1].FailedCheckinIDs) != 1 || got[1].FailedCheckinIDs[0] != out[3].Outcome.ID {
		t.Fatalf("incidents = %+v; want the first resolved, the second open with the August refusal", got)
	}
}

// TransactionCounter is implemented by a test's AlertBackend that counts
// the write transactions its RecordAttempts runs: a batch that fails is
// retried in halves, which the results alone do not show.
type TransactionCounter interface {
	RecordTransactions() int64
}

// recordOneBatch is record, and fails t when a TransactionCounter store
// took more than one transaction for the batch.
func recordOneBatch(t *testing.T, s AlertBackend, as []*fc.Attempt) []fc.AttemptResult {
	t.Helper()
	tc, counts := s.(TransactionCounter)
	var before int64
	if counts {
		before = tc.RecordTransactions()
	}
	res := record(t, s, as...)
	if counts {
		if n := tc.RecordTransactions() - before; n != 1 {
			t.Errorf("the batch took %d transactions; want 1 (it failed and was retried in parts)", n)
		}
	}
	return res
}

// testAlertManyIncidents: the incident list filters, sorts, counts and
// pages in the database exactly as the search's own evaluator does
// (fc.MatchesAll, fc.CompareField, ties by Id), over 5,000 incidents of
// two rules (one of Paris, one of every location), opened at two times,
// half resolved, some acknowledged, seen through three scopes.
func testAlertManyIncidents(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	paris := &fc.AlertRule{Name: "paris", Active: true, BusinessID: ptr[int64](2), GroupBy: []fc.Field{fc.FieldMacAddresses},
		Threshold: 1, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 30}
	c, _ := alertSetup(t, s, paris)
	every := &fc.AlertRule{Name: "every", Active: true, GroupBy: []fc.Field{fc.FieldMacAddresses},
		Threshold: 1, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 30}
	if err := s.CreateAlertRule(ctx, every); err != nil {
		t.Fatal(err)
	}
	const attempts = 2500 // each opens one incident of each rule
	send := func(from, to int) {
		for lo := from; lo < to; lo += 250 {
			var as []*fc.Attempt
			for i := lo; i < min(lo+250, to); i++ {
				a := benRefused(c, -time.Duration(i%50)*time.Second)
				a.MacAddresses = fmt.Sprintf("02-00-00-00-%02x-%02x", i/256, i%256)
				as = append(as, a)
			}
			refuse(t, s, as...)
			c.Add(1500 * time.Millisecond) // opened in different seconds and within one
		}
	}
	send(0, attempts/2)
	c.Add(31 * time.Minute)
	if n, err := s.SweepAlerts(ctx); err != nil || n != attempts {
		t.Fatalf("SweepAlerts = %d, %v; want the first %d incidents resolved", n, err, attempts)
	}
	send(attempts/2, attempts)

	var all []*fc.AlertIncident
	for page := int64(1); ; page++ {
		p, err := s.FindAlertIncidents(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Page: page, Size: fc.MaxPageSize})
		if err != nil {
			t.Fatalf("FindAlertIncidents page %d: %v", page, err)
		}
		if p.TotalItems != 2*attempts {
			t.Fatalf("TotalItems = %d; want %d", p.TotalItems, 2*attempts)
		}
		if len(p.Records) == 0 {
			break
		}
		all = append(all, p.Records...)
	}
	if len(all) != 2*attempts {
		t.Fatalf("listed %d incidents over the pages; want %d", len(all), 2*attempts)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID <= all[i-1].ID {
			t.Fatalf("incident %d listed after %d by Id", all[i].ID, all[i-1].ID)
		}
	}
	for i, inc := range all {
		if i%7 == 0 && inc.Status == fc.IncidentOpen {
			got, err := s.AcknowledgeAlertIncident(ctx, fc.AllBusinesses(), inc.ID, "ops@example.com")
			if err != nil {
				t.Fatal(err)
			}
			all[i] = got
		}
	}
	mid := all[len(all)/2].OpenedOn
	queries := []fc.Query{
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldOpenedOn, Descending: true, Page: 2, Size: 25},
		{Scope: fc.BusinessScope(2), OrderBy: fc.FieldOpenedOn, Page: 3, Size: 1000},
		{Scope: fc.BusinessScope(1), OrderBy: fc.FieldOpenedOn, Page: 1, Size: 25},
		{Scope: fc.BusinessScope(1, 2), OrderBy: fc.FieldStatus, Page: 2, Size: 700},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldAcknowledgedOn, Descending: true, Page: 1, Size: 400},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldResolvedOn, Page: 4, Size: 1000},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldLastFailureOn, Page: 2, Size: 333,
			Conditions: []fc.Condition{{Field: fc.FieldStatus, Match: fc.MatchEqualFold, Strings: []string{"open", "ACKNOWLEDGED"}}}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldBusinessID, Page: 2, Size: 1000,
			Conditions: []fc.Condition{{Field: fc.FieldBusinessID, Match: fc.MatchInts, Null: true}}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldRuleID, Descending: true, Page: 3, Size: 500,
			Conditions: []fc.Condition{{Field: fc.FieldRuleID, Match: fc.MatchInts, Ints: []int64{every.ID, 999}},
				{Field: fc.FieldOpenedOn, Match: fc.MatchTimeRange, From: mid.Add(-time.Minute), Until: mid.Add(time.Second)}}},
		{Scope: fc.BusinessScope(2), OrderBy: fc.FieldID, Descending: true, Page: 2, Size: 1000,
			Conditions: []fc.Condition{{Field: fc.FieldOpenedOn, Match: fc.MatchTimeRange, Until: mid},
				{Field: fc.FieldBusinessID, Match: fc.MatchInts, Ints: []int64{2}}}},
		{Scope: fc.AllBusinesses(), OrderBy: fc.FieldFailureCount, Page: 6, Size: 1000},
	}
	for n, q := range queries {
		wantIDs, wantTotal := referencePage(all, q)
		p, err := s.FindAlertIncidents(ctx, q)
		if err != nil {
			t.Fatalf("query %d: %v", n, err)
		}
		var got []int64
		for _, r := range p.Records {
			got = append(got, r.ID)
		}
		if p.TotalItems != wantTotal || !slices.Equal(got, wantIDs) {
			t.Errorf("query %d %+v: TotalItems %d, %d records %v...; want %d, %d records %v...", n, q,
				p.TotalItems, len(got), got[:min(len(got), 5)], wantTotal, len(wantIDs), wantIDs[:min(len(wantIDs), 5)])
		}
	}
}

// referencePage is the incident list as the search's evaluator keeps,
// sorts and pages it.
func referencePage(all []*fc.AlertIncident, q fc.Query) ([]int64, int64) {
	var kept []*fc.AlertIncident
	for _, r := range all {
		inScope := q.Scope.All() || (r.BusinessID != nil && slices.Contains(q.Scope.Businesses(), *r.BusinessID))
		if inScope && fc.MatchesAll(r, q.Conditions) {
			kept = append(kept, r)
		}
	}
	slices.SortFunc(kept, func(a, b *fc.AlertIncident) int {
		c := fc.CompareField(a, b, q.OrderBy)
		if c == 0 {
			c = fc.CompareField(a, b, fc.FieldID)
		}
		if q.Descending {
			c = -c
		}
		return c
	})
	var ids []int64
	for i := q.Offset(); i < int64(len(kept)) && i < q.Offset()+int64(q.Size); i++ {
		ids = append(ids, kept[i].ID)
	}
	return ids, int64(len(kept))
}

// testAlertIDList: an incident's FailedCheckinIds are its first 100
// refusals in order, whichever batches joined them, and so are those of
// its notifications: a repeat sent in the middle of a batch (the list as
// of the refusal that repeats), and the resolution by an accepted
// check-in later in a batch whose refusals filled the list past 100.
func testAlertIDList(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := &fc.AlertRule{Name: "over the limit", Active: true, Filter: "FailedCheckin_Reason=CheckinLimitReached",
		GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: 3, WindowMinutes: 10, RepeatMinutes: 60, ResolveMinutes: 525600}
	c, _ := alertSetup(t, s, rule)
	anaAt := func(at time.Time) *fc.Attempt {
		return &fc.Attempt{BusinessID: 2, Source: fc.SourceDoorAccess, FromTime: at, CoworkerID: ptr[int64](10)}
	}
	var all []int64 // Ana's refusals, in order
	batch := func(accepted int, refusedAt time.Time, refused int, then ...*fc.Attempt) {
		t.Helper()
		var as []*fc.Attempt
		for range accepted {
			as = append(as, anaAt(c.Now()))
		}
		for range refused {
			as = append(as, anaAt(refusedAt))
		}
		out := recordOneBatch(t, s, append(as, then...))
		for i, r := range out {
			want := i < accepted || i >= accepted+refused
			if r.Err != nil || r.Outcome.Accepted != want {
				t.Fatalf("attempt %d = %+v, %v; want accepted %v", i, r.Outcome, r.Err, want)
			}
			if !want {
				all = append(all, r.Outcome.ID)
			}
		}
	}
	bodies := func() []fc.AlertIncidentJSON {
		t.Helper()
		far := alertT0.Add(1000 * time.Hour)
		jobs, err := s.ClaimDeliveries(ctx, "test", far, far.Add(time.Hour), 1000)
		if err != nil {
			t.Fatalf("ClaimDeliveries: %v", err)
		}
		var out []fc.AlertIncidentJSON
		for _, j := range jobs {
			var body []fc.AlertIncidentJSON
			if err := json.Unmarshal([]byte(*j.Delivery.Body), &body); err != nil || len(body) != 1 {
				t.Fatalf("body %s: %v", *j.Delivery.Body, err)
			}
			out = append(out, body[0])
			if err := s.FinishDelivery(ctx, "test", fc.DeliveryResult{DeliveryID: j.Delivery.ID, WebhookID: j.Delivery.WebhookID,
				At: far, Delivered: true}); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	check := func(what string, got fc.AlertIncidentJSON, event string, count int) {
		t.Helper()
		if got.Event != event || got.FailureCount != count || !slices.Equal(got.FailedCheckinIDs, all[:min(count, 100)]) {
			t.Fatalf("%s = %s, %d refusals, ids %v; want %s, %d, the first %d of %v",
				what, got.Event, got.FailureCount, got.FailedCheckinIDs, event, count, min(count, 100), all)
		}
	}
	// July 1: her three check-ins, then three refusals open the incident.
	batch(3, c.Now(), 3)
	if b := bodies(); len(b) != 1 {
		t.Fatalf("notifications %+v; want Opened", b)
	} else {
		check("Opened", b[0], fc.EventOpened, 3)
	}
	batch(0, c.Now(), 40)
	// An hour later the first refusal of the next batch repeats.
	c.Add(61 * time.Minute)
	batch(0, c.Now(), 50)
	if b := bodies(); len(b) != 1 {
		t.Fatalf("notifications %+v; want Repeated", b)
	} else {
		check("Repeated", b[0], fc.EventRepeated, 44)
	}
	id := incidents(t, s, fc.AllBusinesses())[0].ID
	got, err := s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id)
	if err != nil {
		t.Fatal(err)
	}
	check("incident", got.JSON(""), "", 93)
	// Acknowledged, it repeats no more. August 1: ten refusals of July
	// 31 (her July limit: refused) fill the list past 100, then her
	// first August check-in resolves.
	if _, err := s.AcknowledgeAlertIncident(ctx, fc.AllBusinesses(), id, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	c.Add(time.Date(2026, 8, 1, 10, 0, 0, 0, time.UTC).Sub(c.Now()))
	batch(0, time.Date(2026, 7, 31, 20, 0, 0, 0, time.UTC), 10, anaAt(c.Now()))
	if b := bodies(); len(b) != 1 {
		t.Fatalf("notifications %+v; want Resolved", b)
	} else {
		check("Resolved", b[0], fc.EventResolved, 103)
	}
	if got, err = s.FindAlertIncidentByID(ctx, fc.AllBusinesses(), id); err != nil || got.Status != fc.IncidentResolved {
		t.Fatalf("incident = %+v, %v; want resolved", got, err)
	}
	check("incident", got.JSON(""), "", 103)
}

// testAlertJoinedTogether: the incidents of three rules joined by the same
// batches each keep their own count,
// last refusal and ids.
func testAlertJoinedTogether(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, s, nil)
	m := time.Minute
	for n, th := range []int{1, 2, 4} {
		r := &fc.AlertRule{Name: fmt.Sprintf("rule %d", n), Active: true, Filter: "FailedCheckin_Reason=LocationNotAllowed",
			GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: th, WindowMinutes: 10, RepeatMinutes: 600, ResolveMinutes: 30 * (n + 1)}
		if err := s.CreateAlertRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	ids := refuse(t, s, benRefused(c, -3*m), benRefused(c, -2*m))
	ids = append(ids, refuse(t, s, benRefused(c, -m), benRefused(c, 0), benRefused(c, -4*m))...)
	c.Add(m)
	ids = append(ids, refuse(t, s, benRefused(c, 0))...)
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 3 {
		t.Fatalf("incidents = %d; want 3", len(got))
	}
	for n, i := range got {
		// Rule 0 opened with the first refusal, rule 1 with the second
		// (both hold all six); rule 2 with the fourth, the whole window.
		want := ids
		if i.FailureCount != 6 || !slices.Equal(i.FailedCheckinIDs, want) || !i.LastFailureOn.Equal(c.Now()) {
			t.Errorf("incident %d = %d refusals %v, the last %v; want 6 %v, %v", n, i.FailureCount, i.FailedCheckinIDs,
				i.LastFailureOn, want, c.Now())
		}
	}
	// Each resolves after its own ResolveMinutes (30, 60, 90) since the
	// last refusal.
	for n := range got {
		c.Add(30 * m)
		if k, err := s.SweepAlerts(ctx); k != 1 || err != nil {
			t.Fatalf("sweep %d: %d, %v; want 1", n, k, err)
		}
	}
}
