package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// The tests of the attempt batches' open incidents kept in memory across
// batches (sqlstore/incidentcache.go): after any other writer of an
// incident, the next batch must see the incident as that writer left it,
// never as the batch before left it. Each test has a batch look at the
// incident first (so a store that keeps it has it), then another writer
// change it, then a batch that would do the wrong thing with the old
// view. The acknowledgement and the sweep of one store are
// testAlertRepeat's and testAlertResolveQuiet's.

// testAlertAfterErasure: an erasure resolves Ben's incident and nulls its
// key; refusals that carry his coworker Id afterwards (a device that
// still sends it) count afresh, into a new incident. The rule counts every
// refusal of a coworker.
func testAlertAfterErasure(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := benRule()
	rule.Filter = "" // the refusals after the erasure have another reason: Ben is no longer in the directory
	c, _ := alertSetup(t, s, rule)
	withID := func() *fc.Attempt {
		a := benRefused(c, 0)
		a.AccessCardID, a.CoworkerID, a.MacAddresses = "", ptr[int64](11), "02:00:5e:10:00:01"
		return a
	}
	refuse(t, s, withID(), withID(), withID())
	refuse(t, s, withID()) // joins
	if _, err := s.(fc.PrivacyStore).ErasePerson(ctx, fc.ErasureSubject{CoworkerID: 11}, "dpo@example.com"); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, withID(), withID())
	if got := incidents(t, s, fc.AllBusinesses()); len(got) != 1 {
		t.Fatalf("two refusals after the erasure: incidents %+v; want the erased one only", got)
	}
	refuse(t, s, withID())
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 2 || got[0].Status != fc.IncidentResolved || got[0].FailureCount != 4 ||
		got[1].Status != fc.IncidentOpen || got[1].FailureCount != 3 {
		t.Fatalf("three refusals after the erasure: incidents %+v; want the erased one (4) and a new open one (3)", got)
	}
}

// testAlertAfterRetention: retention resolves Ben's incident and nulls its
// key; his next refusals count afresh.
func testAlertAfterRetention(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, s, benRule())
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	refuse(t, s, benRefused(c, 0)) // joins
	if n, err := s.(fc.PrivacyStore).RetainAlerts(ctx, c.Now().Add(time.Minute), 100); err != nil || n != 1 {
		t.Fatalf("RetainAlerts = %d, %v; want 1", n, err)
	}
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 2 || got[0].FailureCount != 4 || got[1].Status != fc.IncidentOpen || got[1].FailureCount != 3 {
		t.Fatalf("three refusals after retention: incidents %+v; want the anonymized one (4) and a new open one (3)", got)
	}
}

// testAlertAfterRuleDeleted: a rule deleted with its open incident, and a
// new rule made (SQLite may give it the deleted rule's Id): the new
// rule's count starts from nothing and opens its own incident.
func testAlertAfterRuleDeleted(t *testing.T, s AlertBackend) {
	ctx := context.Background()
	rule := benRule()
	c, _ := alertSetup(t, s, rule)
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	refuse(t, s, benRefused(c, 0)) // joins
	if err := s.DeleteAlertRule(ctx, fc.AllBusinesses(), rule.ID); err != nil {
		t.Fatal(err)
	}
	again := benRule()
	if err := s.CreateAlertRule(ctx, again); err != nil {
		t.Fatal(err)
	}
	refuse(t, s, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	got := incidents(t, s, fc.AllBusinesses())
	if len(got) != 1 || got[0].RuleID != again.ID || got[0].Status != fc.IncidentOpen || got[0].FailureCount != 3 {
		t.Fatalf("incidents = %+v; want one open incident of rule %d with 3 refusals", got, again.ID)
	}
}

// RunAlertOtherServer checks that a server's batches see what another
// server on the same database did to an incident since their last look
// (a and b are two stores on one new, migrated database): b's joins
// (a's next join counts them), b's acknowledgement (no repeat from a)
// and b's sweep (a's next refusals open a new incident).
func RunAlertOtherServer(t *testing.T, a, b AlertBackend) {
	ctx := context.Background()
	c, _ := alertSetup(t, a, benRule()) // 3 in 10 minutes, repeats after 60, resolves after 30
	b.SetNow(c.Now)
	m := time.Minute
	refuse(t, a, benRefused(c, -2*m), benRefused(c, -m), benRefused(c, 0))
	refuse(t, a, benRefused(c, 0)) // 4: a has looked at the incident
	refuse(t, b, benRefused(c, 0), benRefused(c, 0))
	refuse(t, a, benRefused(c, 0)) // 7: b's two joins and this one
	inc := incidents(t, a, fc.AllBusinesses())
	if len(inc) != 1 || inc[0].FailureCount != 7 {
		t.Fatalf("after joins through both servers: incidents %+v; want one with 7 refusals", inc)
	}
	id := inc[0].ID
	if _, err := b.AcknowledgeAlertIncident(ctx, fc.AllBusinesses(), id, "ops@example.com"); err != nil {
		t.Fatal(err)
	}
	c.Add(61 * m) // a repeat would be due, were it not acknowledged
	refuse(t, a, benRefused(c, 0))
	if ev, want := events(t, a), []string{fmt.Sprintf("Opened/%d/3", id)}; !slices.Equal(ev, want) {
		t.Fatalf("after b's acknowledgement: notifications %v; want only %v", ev, want)
	}
	c.Add(31 * m)
	if n, err := b.SweepAlerts(ctx); n != 1 || err != nil {
		t.Fatalf("b's sweep = %d, %v; want 1", n, err)
	}
	refuse(t, a, benRefused(c, 0), benRefused(c, 0), benRefused(c, 0))
	got := incidents(t, a, fc.AllBusinesses())
	if len(got) != 2 || got[0].Status != fc.IncidentResolved || got[0].FailureCount != 8 ||
		got[1].Status != fc.IncidentOpen || got[1].FailureCount != 3 {
		t.Fatalf("after b's sweep and three refusals through a: incidents %+v; want the resolved one (8), a new open one (3)", got)
	}
}
