package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/retention"
	"github.com/failedcheckins/failedcheckins/searchparams"
)

// WebhookBackend is a store with the check-in pipeline and webhooks.
type WebhookBackend interface {
	CheckinBackend
	fc.WebhookStore
}

// RunWebhooks is the conformance suite of the webhooks store and the
// outbox the attempt pipeline writes. open must return a new, empty,
// migrated store whose clock is WebhookNow.
func RunWebhooks(t *testing.T, open func(t *testing.T) WebhookBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s WebhookBackend)
	}{
		{"Scope", testWebhookScope},
		{"List", testWebhookList},
		{"Outbox", testOutbox},
		{"OutboxSeesChanges", testOutboxSeesChanges},
		{"ImportIsNotDelivered", testImportIsNotDelivered},
		{"DeliveryLogBounded", testDeliveryLogBounded},
		{"OutboxDeleted", testOutboxDeleted},
		{"OutboxActionChanged", testOutboxActionChanged},
		{"ClaimKeepsRecordsTogether", testClaimKeepsRecordsTogether},
		{"ClaimAndFinish", testClaimAndFinish},
		{"FinishAndClaim", testFinishAndClaim},
		{"FinishAndClaimSeesNew", testFinishAndClaimSeesNew},
		{"ClaimSkipsYoung", testClaimSkipsYoung},
		{"FinishInAnyOrder", testFinishInAnyOrder},
		{"FinishMixedGroup", testFinishMixedGroup},
		{"PruneDeliveries", testPruneDeliveries},
		{"PruneEndedLate", testPruneEndedLate},
		{"EditKeepsOthersChanges", testEditKeepsOthersChanges},
		{"DisableAndResume", testDisableAndResume},
		{"Redeliver", testRedeliver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// WebhookNow is the clock of the stores RunWebhooks opens.
var WebhookNow = time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)

func newHook(t *testing.T, s fc.WebhookStore, name string, action int, business *int64, filter string) *fc.Webhook {
	t.Helper()
	w := &fc.Webhook{Name: name, Action: action, BusinessID: business, URL: "https://example.com/" + name, Active: true,
		Filter: filter, Secret: fc.NewWebhookSecret()}
	if err := s.CreateWebhook(context.Background(), w); err != nil {
		t.Fatalf("CreateWebhook(%s): %v", name, err)
	}
	return w
}

func testWebhookScope(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	all := newHook(t, s, "all", fc.ActionFailedCheckin, nil, "")
	one := newHook(t, s, "one", fc.ActionFailedCheckin, ptr[int64](1), "")
	two := newHook(t, s, "two", fc.ActionCheckinCreated, ptr[int64](2), "")
	got, err := s.FindWebhookByID(ctx, fc.AllBusinesses(), one.ID)
	if err != nil || got.Name != "one" || *got.BusinessID != 1 || got.Secret != one.Secret || !got.Active || got.UniqueID == "" ||
		!got.CreatedOn.Equal(WebhookNow) {
		t.Fatalf("FindWebhookByID = %+v, %v", got, err)
	}
	scoped := fc.BusinessScope(1)
	for _, id := range []int64{all.ID, two.ID, 9999} {
		if _, err := s.FindWebhookByID(ctx, scoped, id); fc.ErrorCode(err) != fc.ErrNotFound {
			t.Errorf("scope 1 reads webhook %d: %v; want not found", id, err)
		}
		edit := *two
		edit.ID, edit.Name = id, "taken"
		if err := s.UpdateWebhook(ctx, scoped, nil, &edit); fc.ErrorCode(err) != fc.ErrNotFound {
			t.Errorf("scope 1 edits webhook %d: %v; want not found", id, err)
		}
		if err := s.DeleteWebhook(ctx, scoped, id); fc.ErrorCode(err) != fc.ErrNotFound {
			t.Errorf("scope 1 deletes webhook %d: %v; want not found", id, err)
		}
	}
	if w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), two.ID); w.Name != "two" {
		t.Errorf("webhook two after refused edits: %+v", w)
	}
	page, err := s.FindWebhooks(ctx, fc.Query{Scope: scoped, OrderBy: fc.FieldID, Page: 1, Size: 10})
	if err != nil || page.TotalItems != 1 || len(page.Records) != 1 || page.Records[0].ID != one.ID {
		t.Errorf("FindWebhooks(scope 1) = %+v, %v; want only webhook one", page, err)
	}
	page, err = s.FindWebhooks(ctx, fc.Query{Scope: fc.BusinessScope(), OrderBy: fc.FieldID, Page: 1, Size: 10})
	if err != nil || page.TotalItems != 0 {
		t.Errorf("FindWebhooks(empty scope) = %+v, %v; want none", page, err)
	}
	edit := *one
	edit.Name, edit.Description = "one, renamed", "d"
	if err := s.UpdateWebhook(ctx, scoped, nil, &edit); err != nil {
		t.Fatalf("UpdateWebhook in scope: %v", err)
	}
	if w, _ := s.FindWebhookByID(ctx, scoped, one.ID); w.Name != "one, renamed" || w.Description != "d" {
		t.Errorf("after UpdateWebhook: %+v", w)
	}
	if err := s.DeleteWebhook(ctx, scoped, one.ID); err != nil {
		t.Fatalf("DeleteWebhook in scope: %v", err)
	}
	if _, err := s.FindWebhookByID(ctx, fc.AllBusinesses(), one.ID); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("deleted webhook still found: %v", err)
	}
}

func testWebhookList(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	newHook(t, s, "Zeta door", fc.ActionFailedCheckin, ptr[int64](1), "")
	newHook(t, s, "alpha DOOR", fc.ActionCheckinCreated, ptr[int64](2), "")
	newHook(t, s, "beta", fc.ActionFailedCheckin, nil, "")
	list := func(raw string) string {
		t.Helper()
		q, err := searchparams.Webhooks.Parse(raw)
		if err != nil {
			t.Fatalf("Parse(%q): %v", raw, err)
		}
		q.Scope = fc.AllBusinesses()
		page, err := s.FindWebhooks(ctx, q)
		if err != nil {
			t.Fatalf("FindWebhooks(%q): %v", raw, err)
		}
		var names []string
		for _, w := range page.Records {
			names = append(names, w.Name)
		}
		return fmt.Sprint(page.TotalItems, names)
	}
	for raw, want := range map[string]string{
		"orderBy=Name&dir=asc":                   "3 [alpha DOOR beta Zeta door]",
		"WebHook_Name=door&orderBy=Name":         "2 [Zeta door alpha DOOR]",
		"webhook_action=63&orderBy=id&dir=0":     "2 [Zeta door beta]",
		"WebHook_Business=null&orderBy=Name":     "1 [beta]",
		"WebHook_Business=1,2&size=1&orderby=Id": "2 [alpha DOOR]",
		"WebHook_Active=false":                   "0 []",
		"WebHook_URL=example.com/beta":           "1 [beta]",
	} {
		if got := list(raw); got != want {
			t.Errorf("list %q = %s; want %s", raw, got, want)
		}
	}
}

// deliveries claims every due delivery at now and returns them as
// "webhook name/action/record id" lines, sorted.
func deliveries(t *testing.T, s WebhookBackend, hooks ...*fc.Webhook) []string {
	t.Helper()
	names := map[int64]string{}
	for _, h := range hooks {
		names[h.ID] = h.Name
	}
	jobs, err := s.ClaimDeliveries(context.Background(), "test", WebhookNow.Add(time.Hour), WebhookNow.Add(2*time.Hour), 1000)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	var out []string
	seen := map[string]bool{}
	for _, j := range jobs {
		d := j.Delivery
		out = append(out, fmt.Sprintf("%s/%d/%d", names[d.WebhookID], d.Action, d.RecordID))
		if d.Status != fc.DeliveryPending || d.Attempts != 0 || seen[d.EventID] || len(d.EventID) < 10 || !d.CreatedOn.Equal(WebhookNow) {
			t.Errorf("claimed %+v", d)
		}
		seen[d.EventID] = true
	}
	slices.Sort(out)
	return out
}

// testOutbox: each record goes to exactly the active webhooks that cover
// it (action, location, filter), in the batch's transaction.
func testOutbox(t *testing.T, s WebhookBackend) {
	ImportTestDirectory(t, s)
	hooks := []*fc.Webhook{
		newHook(t, s, "refusals", fc.ActionFailedCheckin, nil, ""),
		newHook(t, s, "london", fc.ActionFailedCheckin, ptr[int64](1), ""),
		newHook(t, s, "paris", fc.ActionFailedCheckin, ptr[int64](2), ""),
		newHook(t, s, "plans", fc.ActionFailedCheckin, nil, "FailedCheckin_Reason=LocationNotAllowed&FailedCheckin_Coworker_FullName=ben"),
		newHook(t, s, "checkins", fc.ActionCheckinCreated, nil, "Checkin_Coworker=10"),
		newHook(t, s, "others", fc.ActionCheckinCreated, nil, "Checkin_Coworker=11"),
		newHook(t, s, "incidents", fc.ActionAlertIncident, nil, ""),
	}
	off := newHook(t, s, "off", fc.ActionFailedCheckin, nil, "")
	off.Active = false
	if err := s.UpdateWebhook(context.Background(), fc.AllBusinesses(), nil, off); err != nil {
		t.Fatal(err)
	}
	ok := attemptAt(1, "2026-07-01T10:00:00Z")
	ok.MacAddresses = "a4-5e-60-c2-19-0b"
	refused := attemptAt(2, "2026-07-01T10:00:00Z")
	refused.AccessCardID = "04a2b3c4"
	unknown := attemptAt(1, "2026-07-01T10:00:00Z")
	unknown.CoworkerID = ptr[int64](999)
	res := record(t, s, ok, refused, unknown)
	c, f1, f2 := res[0].Outcome.ID, res[1].Outcome.ID, res[2].Outcome.ID
	want := []string{
		fmt.Sprintf("checkins/47/%d", c),
		fmt.Sprintf("london/63/%d", f2),
		fmt.Sprintf("paris/63/%d", f1),
		fmt.Sprintf("plans/63/%d", f1),
		fmt.Sprintf("refusals/63/%d", f1),
		fmt.Sprintf("refusals/63/%d", f2),
	}
	slices.Sort(want)
	if got := deliveries(t, s, hooks...); !slices.Equal(got, want) {
		t.Errorf("deliveries = %v; want %v", got, want)
	}
}

// testOutboxSeesChanges: a webhook created, changed or deleted after a
// batch is seen by the next one (the cache follows the version).
func testOutboxSeesChanges(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	refuse := func() int64 {
		a := attemptAt(1, "2026-07-01T10:00:00Z")
		a.CoworkerID = ptr[int64](999)
		return record(t, s, a)[0].Outcome.ID
	}
	r1 := refuse() // no webhooks yet: loads an empty cache
	h := newHook(t, s, "h", fc.ActionFailedCheckin, ptr[int64](1), "")
	r2 := refuse()
	h.BusinessID = ptr[int64](2)
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), nil, h); err != nil {
		t.Fatal(err)
	}
	refuse()
	h.BusinessID = nil
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), nil, h); err != nil {
		t.Fatal(err)
	}
	r4 := refuse()
	log, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 10)
	if err != nil || log.TotalItems != 2 || log.Records[0].RecordID != r4 || log.Records[1].RecordID != r2 {
		t.Errorf("log of h = %+v, %v; want r4 %d and r2 %d (not r1 %d, before h; nor r3, at location 1 while h covered 2)", log, err, r4, r2, r1)
	}
	if err := s.DeleteWebhook(ctx, fc.AllBusinesses(), h.ID); err != nil {
		t.Fatal(err)
	}
	h2 := newHook(t, s, "h2", fc.ActionFailedCheckin, nil, "")
	if got := deliveries(t, s, h, h2); len(got) != 0 {
		t.Errorf("after delete: deliveries %v; want none (deleted with the webhook)", got)
	}
	r5 := refuse()
	if got, want := deliveries(t, s, h, h2), []string{fmt.Sprintf("h2/63/%d", r5)}; !slices.Equal(got, want) {
		t.Errorf("deliveries = %v; want %v", got, want)
	}
}

// testOutboxDeleted: a record queued for a webhook that is deleted
// before the dispatcher has taken it from the outbox goes to nobody, not
// to a webhook created afterwards (on SQLite with the same Id), and the
// records queued for the others still go to them.
func testOutboxDeleted(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	keep := newHook(t, s, "keep", fc.ActionFailedCheckin, nil, "")
	gone := newHook(t, s, "gone", fc.ActionFailedCheckin, nil, "")
	r := refusals(t, s, 1)[0]
	if err := s.DeleteWebhook(ctx, fc.AllBusinesses(), gone.ID); err != nil {
		t.Fatal(err)
	}
	again := newHook(t, s, "again", fc.ActionFailedCheckin, nil, "")
	if got, want := deliveries(t, s, keep, gone, again), []string{fmt.Sprintf("keep/63/%d", r)}; !slices.Equal(got, want) {
		t.Errorf("deliveries = %v; want %v (webhook %d deleted, %d created after the refusal)", got, want, gone.ID, again.ID)
	}
}

// testOutboxActionChanged: a record queued for a webhook whose Action
// is changed before the dispatcher has taken it from the outbox goes to
// nobody (the webhook no longer wants that kind of record), and the others
// still get theirs.
func testOutboxActionChanged(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	keep := newHook(t, s, "keep", fc.ActionFailedCheckin, nil, "")
	moved := newHook(t, s, "moved", fc.ActionFailedCheckin, nil, "")
	r := refusals(t, s, 1)[0]
	moved.Action = fc.ActionCheckinCreated
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), nil, moved); err != nil {
		t.Fatal(err)
	}
	if got, want := deliveries(t, s, keep, moved), []string{fmt.Sprintf("keep/63/%d", r)}; !slices.Equal(got, want) {
		t.Errorf("deliveries = %v; want %v (webhook %d changed to action 47 after the refusal)", got, want, moved.ID)
	}
}

// testClaimKeepsRecordsTogether: a claim does not end in the middle of a
// record's deliveries (so their body is read once) unless that record's
// alone exceed the limit, and the ones held back are claimed next.
func testClaimKeepsRecordsTogether(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	for _, name := range []string{"a", "b", "c"} {
		newHook(t, s, name, fc.ActionFailedCheckin, nil, "")
	}
	rs := refusals(t, s, 3)
	take := func(limit int) []int64 {
		t.Helper()
		jobs, err := s.ClaimDeliveries(ctx, "test", WebhookNow, WebhookNow.Add(time.Minute), limit)
		if err != nil {
			t.Fatal(err)
		}
		var recs []int64
		for _, j := range jobs {
			recs = append(recs, j.Delivery.RecordID)
		}
		return recs
	}
	for _, c := range []struct {
		limit int
		want  []int64
	}{
		{4, []int64{rs[0], rs[0], rs[0]}},          // not rs[1]'s first
		{2, []int64{rs[1], rs[1]}},                 // one record's exceed the limit
		{100, []int64{rs[1], rs[2], rs[2], rs[2]}}, // the rest
	} {
		if got := take(c.limit); !slices.Equal(got, c.want) {
			t.Errorf("claim of %d = records %v; want %v", c.limit, got, c.want)
		}
	}
}

// testFinishAndClaimSeesNew: the claim made as attempts end takes the
// records queued just before, also when the outbox was found empty, or
// holding only records too young for the claim's cutoff, a moment
// earlier (the store may skip reading an outbox it knows to hold nothing
// for the claim, but not after its own batches queued to it, nor once
// the cutoff reaches what it left).
func testFinishAndClaimSeesNew(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	now := WebhookNow
	for round := range 3 {
		if jobs, err := s.FinishAndClaim(ctx, "a", nil, now, now.Add(time.Minute), 10); err != nil || len(jobs) != 0 {
			t.Fatalf("round %d: FinishAndClaim with nothing queued = %+v, %v", round, jobs, err)
		}
		r := refusals(t, s, 1)[0]
		// A claim deferring to check-ins (a cutoff before the record) leaves
		// it; the next one whose cutoff reaches it takes it.
		if jobs, err := s.FinishAndClaim(ctx, "a", nil, now.Add(-time.Second), now.Add(time.Minute), 10); err != nil || len(jobs) != 0 {
			t.Fatalf("round %d: FinishAndClaim with a cutoff before the refusal = %+v, %v", round, jobs, err)
		}
		jobs, err := s.FinishAndClaim(ctx, "a", nil, now, now.Add(time.Minute), 10)
		if err != nil || len(jobs) != 1 || jobs[0].Delivery.RecordID != r || jobs[0].Delivery.WebhookID != h.ID {
			t.Fatalf("round %d: FinishAndClaim after a refusal = %+v, %v; want record %d", round, jobs, err, r)
		}
	}
}

// testClaimSkipsYoung: a claim deferring to check-ins takes the records
// queued at or before its cutoff also when they lie behind a younger one
// in the outbox (Ids only roughly follow time: concurrent batches), and
// the younger one once its cutoff reaches it.
func testClaimSkipsYoung(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	clock, ok := s.(interface{ SetNow(func() time.Time) })
	if !ok {
		t.Skip("the store's clock cannot be set")
	}
	now, later := WebhookNow, WebhookNow.Add(10*time.Second)
	clock.SetNow(func() time.Time { return later })
	young := refusals(t, s, 1)[0]
	clock.SetNow(func() time.Time { return now })
	old := refusals(t, s, 1)[0]
	for _, c := range []struct {
		cutoff time.Time
		want   int64
	}{{now, old}, {later, young}} {
		jobs, err := s.FinishAndClaim(ctx, "a", nil, c.cutoff, c.cutoff.Add(time.Minute), 10)
		if err != nil || len(jobs) != 1 || jobs[0].Delivery.RecordID != c.want || jobs[0].Delivery.WebhookID != h.ID {
			t.Errorf("FinishAndClaim(cutoff %v) = %+v, %v; want record %d", c.cutoff, jobs, err, c.want)
		}
	}
}

// testDeliveryLogBounded: a read of the delivery log turns a bounded
// part of a long backlog into deliveries (it is a read any WebHook-Read
// caller makes; the whole backlog would hold the writer), yet every
// record queued appears after a few reads.
func testDeliveryLogBounded(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	const n = 600
	refusals(t, s, n)
	var shown []int64
	for range n {
		page, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		shown = append(shown, page.TotalItems)
		if page.TotalItems == n {
			break
		}
	}
	if shown[0] == 0 || shown[0] == n || shown[len(shown)-1] != n {
		t.Errorf("deliveries the log shows on successive reads = %v; want some, not all %d, then all", shown, n)
	}
}

// testImportIsNotDelivered: imported history never reaches a webhook.
func testImportIsNotDelivered(t *testing.T, s WebhookBackend) {
	h := newHook(t, s, "all", fc.ActionFailedCheckin, nil, "")
	seed(t, s, fixtures())
	if got := deliveries(t, s, h); len(got) != 0 {
		t.Errorf("imported records were queued: %v", got)
	}
	page, err := s.FindWebhookDeliveries(context.Background(), fc.AllBusinesses(), h.ID, 1, 10)
	if err != nil || page.TotalItems != 0 {
		t.Errorf("FindWebhookDeliveries = %+v, %v; want none", page, err)
	}
}

// refusals records n refusals at location 1 and returns their ids.
func refusals(t *testing.T, s WebhookBackend, n int) []int64 {
	var as []*fc.Attempt
	for range n {
		a := attemptAt(1, "2026-07-01T10:00:00Z")
		a.CoworkerID = ptr[int64](999)
		as = append(as, a)
	}
	var ids []int64
	for _, r := range record(t, s, as...) {
		ids = append(ids, r.Outcome.ID)
	}
	return ids
}

func claim(t *testing.T, s WebhookBackend, owner string, now time.Time) []*fc.DeliveryJob {
	t.Helper()
	jobs, err := s.ClaimDeliveries(context.Background(), owner, now, now.Add(time.Minute), 100)
	if err != nil {
		t.Fatalf("ClaimDeliveries: %v", err)
	}
	return jobs
}

func finish(t *testing.T, s WebhookBackend, owner string, r fc.DeliveryResult) {
	t.Helper()
	if err := s.FinishDelivery(context.Background(), owner, r); err != nil {
		t.Fatalf("FinishDelivery: %v", err)
	}
}

func testClaimAndFinish(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	ids := refusals(t, s, 2)
	now := WebhookNow
	if jobs := claim(t, s, "a", now.Add(-time.Second)); len(jobs) != 0 {
		t.Errorf("claimed %d deliveries before they were due", len(jobs))
	}
	jobs := claim(t, s, "a", now)
	if len(jobs) != 2 || jobs[0].URL != h.URL || jobs[0].Secret != h.Secret || jobs[0].Delivery.RecordID != ids[0] {
		t.Fatalf("claim = %+v", jobs)
	}
	if again := claim(t, s, "b", now.Add(30*time.Second)); len(again) != 0 {
		t.Errorf("leased deliveries claimed again: %d", len(again))
	}
	// The first is delivered; the second fails and is retried later.
	finish(t, s, "a", fc.DeliveryResult{DeliveryID: jobs[0].Delivery.ID, WebhookID: h.ID, At: now, Delivered: true, StatusCode: 200})
	next := now.Add(5 * time.Second)
	finish(t, s, "a", fc.DeliveryResult{DeliveryID: jobs[1].Delivery.ID, WebhookID: h.ID, At: now, Next: &next, StatusCode: 500, Error: "HTTP 500"})
	w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID)
	if w.ErrorCount != 1 || w.LastError != "HTTP 500" || w.LastTrigger == nil || !w.LastTrigger.Equal(now) || !w.Active {
		t.Errorf("after a failure: %+v", w)
	}
	// The lease of "a" is gone with its result: a finish by "b" changes nothing.
	finish(t, s, "b", fc.DeliveryResult{DeliveryID: jobs[1].Delivery.ID, WebhookID: h.ID, At: now, Delivered: true})
	log, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 10)
	if err != nil || log.TotalItems != 2 || log.Records[0].ID != jobs[1].Delivery.ID {
		t.Fatalf("log = %+v, %v", log, err)
	}
	d0, d1 := log.Records[1], log.Records[0]
	if d0.Status != fc.DeliveryDelivered || d0.Attempts != 1 || *d0.LastStatusCode != 200 || !d0.DeliveredOn.Equal(now) {
		t.Errorf("delivered: %+v", d0)
	}
	if d1.Status != fc.DeliveryPending || d1.Attempts != 1 || *d1.LastStatusCode != 500 || *d1.LastError != "HTTP 500" || !d1.NextAttemptOn.Equal(next) {
		t.Errorf("failed once: %+v", d1)
	}
	// A lease that expires (its server died) is claimed by another.
	if jobs := claim(t, s, "c", next); len(jobs) != 1 {
		t.Fatalf("claim after the retry is due = %d", len(jobs))
	}
	if jobs := claim(t, s, "d", next.Add(2*time.Minute)); len(jobs) != 1 {
		t.Errorf("expired lease not claimed again: %d", len(jobs))
	}
	// A success resets the count; a last failure fails the delivery.
	finish(t, s, "d", fc.DeliveryResult{DeliveryID: d1.ID, WebhookID: h.ID, At: next, StatusCode: 400, Error: "HTTP 400"})
	if w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID); w.ErrorCount != 2 {
		t.Errorf("ErrorCount = %d; want 2", w.ErrorCount)
	}
	log, _ = s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 10)
	if d := log.Records[0]; d.Status != fc.DeliveryFailed || d.NextAttemptOn != nil || d.Attempts != 2 {
		t.Errorf("failed for good: %+v", d)
	}
	if page, err := s.FindWebhookDeliveries(ctx, fc.BusinessScope(1), h.ID, 1, 10); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("a scoped user reads the log of a webhook of every location: %+v, %v", page, err)
	}
	if page, _ := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 2, 1); len(page.Records) != 1 || page.Records[0].ID != d0.ID {
		t.Errorf("page 2 of size 1 = %+v", page)
	}
}

// testFinishAndClaim: the dispatcher's one transaction records the
// results first and then claims: a delivery just failed is not claimed
// again before its retry is due, and the deliveries of a webhook the
// results disable (410) are not claimed at all.
func testFinishAndClaim(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h1 := newHook(t, s, "h1", fc.ActionFailedCheckin, nil, "")
	h2 := newHook(t, s, "h2", fc.ActionFailedCheckin, nil, "")
	refusals(t, s, 2) // two deliveries to each webhook
	now := WebhookNow
	first, err := s.ClaimDeliveries(ctx, "a", now, now.Add(time.Minute), 2)
	if err != nil || len(first) != 2 || first[0].Delivery.WebhookID != h1.ID || first[1].Delivery.WebhookID != h2.ID {
		t.Fatalf("ClaimDeliveries = %+v, %v", first, err)
	}
	// Limit 0 only records; a result of another owner changes nothing.
	if jobs, err := s.FinishAndClaim(ctx, "b", []fc.DeliveryResult{{DeliveryID: first[0].Delivery.ID, WebhookID: h1.ID, At: now, Delivered: true}},
		now, now.Add(time.Minute), 0); err != nil || len(jobs) != 0 {
		t.Fatalf("FinishAndClaim by another owner, limit 0 = %+v, %v", jobs, err)
	}
	next := now.Add(5 * time.Second)
	rs := []fc.DeliveryResult{
		{DeliveryID: first[1].Delivery.ID, WebhookID: h2.ID, At: now, Next: &next, StatusCode: 500, Error: "HTTP 500"},
		{DeliveryID: first[0].Delivery.ID, WebhookID: h1.ID, At: now, StatusCode: 410, Error: "HTTP 410", Disable: true, Next: &next},
	}
	jobs, err := s.FinishAndClaim(ctx, "a", rs, now, now.Add(time.Minute), 10)
	if err != nil {
		t.Fatalf("FinishAndClaim: %v", err)
	}
	// Only h2's second delivery is due: h2's first waits for its retry,
	// h1 was disabled by the 410 in the same transaction.
	if len(jobs) != 1 || jobs[0].Delivery.WebhookID != h2.ID || jobs[0].Delivery.ID == first[1].Delivery.ID || jobs[0].URL != h2.URL {
		t.Fatalf("FinishAndClaim claimed %+v; want h2's other delivery", jobs)
	}
	if w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), h1.ID); w.Active || w.ErrorCount != 1 {
		t.Errorf("h1 after a 410: %+v", w)
	}
	if w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), h2.ID); !w.Active || w.ErrorCount != 1 || w.LastError != "HTTP 500" {
		t.Errorf("h2 after a 500: %+v", w)
	}
	log, _ := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h2.ID, 1, 10)
	if d := log.Records[1]; d.ID != first[1].Delivery.ID || d.Status != fc.DeliveryPending || d.Attempts != 1 || !d.NextAttemptOn.Equal(next) {
		t.Errorf("h2's failed delivery: %+v", d)
	}
	// The new claim holds a lease: nobody else claims it before it ends.
	if again := claim(t, s, "c", now.Add(3*time.Second)); len(again) != 0 {
		t.Errorf("leased deliveries claimed again: %+v", again)
	}
	// The retry comes due and is claimed with the next results.
	jobs, err = s.FinishAndClaim(ctx, "a", []fc.DeliveryResult{{DeliveryID: jobs[0].Delivery.ID, WebhookID: h2.ID, At: next, Delivered: true, StatusCode: 200}},
		next, next.Add(time.Minute), 10)
	if err != nil || len(jobs) != 1 || jobs[0].Delivery.ID != first[1].Delivery.ID {
		t.Fatalf("FinishAndClaim at the retry = %+v, %v", jobs, err)
	}
}

// testFinishInAnyOrder: two servers recording the results of their
// deliveries at once, each meeting the two webhooks in the other order
// ([W1, W2] and [W2, W1]), must both succeed. On PostgreSQL, locking the
// webhooks' rows in the order the results come would deadlock, and the
// database would abort one batch of results.
func testFinishInAnyOrder(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h1 := newHook(t, s, "h1", fc.ActionFailedCheckin, nil, "")
	h2 := newHook(t, s, "h2", fc.ActionFailedCheckin, nil, "")
	const rounds = 12
	refusals(t, s, 2*rounds)
	now := WebhookNow
	mine := func(owner string) map[int64][]int64 { // webhook -> its deliveries owner holds
		jobs, err := s.ClaimDeliveries(ctx, owner, now, now.Add(time.Hour), 2*rounds)
		if err != nil || len(jobs) != 2*rounds {
			t.Fatalf("ClaimDeliveries(%s) = %d jobs, %v; want %d", owner, len(jobs), err, 2*rounds)
		}
		m := map[int64][]int64{}
		for _, j := range jobs {
			m[j.Delivery.WebhookID] = append(m[j.Delivery.WebhookID], j.Delivery.ID)
		}
		return m
	}
	a, b := mine("a"), mine("b")
	if len(a[h1.ID]) != rounds || len(b[h2.ID]) != rounds {
		t.Fatalf("claims split as %v and %v; want %d of each webhook each", a, b, rounds)
	}
	next := now.Add(time.Minute)
	failed := func(webhook, delivery int64) fc.DeliveryResult {
		return fc.DeliveryResult{DeliveryID: delivery, WebhookID: webhook, At: now, Next: &next, StatusCode: 500, Error: "HTTP 500"}
	}
	for i := range rounds {
		errs := make(chan error, 2)
		go func() {
			errs <- s.FinishDeliveries(ctx, "a", []fc.DeliveryResult{failed(h1.ID, a[h1.ID][i]), failed(h2.ID, a[h2.ID][i])})
		}()
		go func() {
			errs <- s.FinishDeliveries(ctx, "b", []fc.DeliveryResult{failed(h2.ID, b[h2.ID][i]), failed(h1.ID, b[h1.ID][i])})
		}()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: FinishDeliveries: %v", i, err)
			}
		}
	}
	for _, h := range []*fc.Webhook{h1, h2} {
		log, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 100)
		if err != nil || log.TotalItems != 2*rounds {
			t.Fatalf("log of %s = %d, %v", h.Name, log.TotalItems, err)
		}
		for _, d := range log.Records {
			if d.Attempts != 1 {
				t.Errorf("delivery %d of %s has %d attempts recorded; want 1", d.ID, h.Name, d.Attempts)
			}
		}
	}
}

// testFinishMixedGroup: a group of results recorded in one transaction
// leaves each webhook as recording them one by one would: a success
// resets the count of the failures before it, not of those after it, and
// LastTrigger is the last attempt's. (The successes of a group write
// their webhook once, not once each.)
func testFinishMixedGroup(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h1 := newHook(t, s, "h1", fc.ActionFailedCheckin, nil, "")
	h2 := newHook(t, s, "h2", fc.ActionFailedCheckin, nil, "")
	refusals(t, s, 3)
	now := WebhookNow
	jobs, err := s.ClaimDeliveries(ctx, "o", now, now.Add(time.Hour), 6)
	if err != nil || len(jobs) != 6 {
		t.Fatalf("ClaimDeliveries = %d jobs, %v; want 6", len(jobs), err)
	}
	of := map[int64][]int64{}
	for _, j := range jobs {
		of[j.Delivery.WebhookID] = append(of[j.Delivery.WebhookID], j.Delivery.ID)
	}
	next := now.Add(time.Hour)
	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) }
	ok := func(h, d int64, i int) fc.DeliveryResult {
		return fc.DeliveryResult{DeliveryID: d, WebhookID: h, At: at(i), Delivered: true, StatusCode: 200}
	}
	bad := func(h, d int64, i int) fc.DeliveryResult {
		return fc.DeliveryResult{DeliveryID: d, WebhookID: h, At: at(i), Next: &next, StatusCode: 500, Error: "HTTP 500"}
	}
	// h1: fail, succeed, succeed: 0 left. h2: succeed, fail, fail: 2.
	err = s.FinishDeliveries(ctx, "o", []fc.DeliveryResult{
		bad(h1.ID, of[h1.ID][0], 1), ok(h2.ID, of[h2.ID][0], 2), ok(h1.ID, of[h1.ID][1], 3),
		bad(h2.ID, of[h2.ID][1], 4), ok(h1.ID, of[h1.ID][2], 5), bad(h2.ID, of[h2.ID][2], 6),
	})
	if err != nil {
		t.Fatalf("FinishDeliveries: %v", err)
	}
	for _, c := range []struct {
		h     *fc.Webhook
		count int
		last  time.Time
	}{{h1, 0, at(5)}, {h2, 2, at(6)}} {
		w, err := s.FindWebhookByID(ctx, fc.AllBusinesses(), c.h.ID)
		if err != nil {
			t.Fatal(err)
		}
		if w.ErrorCount != c.count || w.LastTrigger == nil || !w.LastTrigger.Equal(c.last) {
			t.Errorf("%s after the group: ErrorCount %d, LastTrigger %v; want %d, %v", w.Name, w.ErrorCount, w.LastTrigger, c.count, c.last)
		}
	}
}

// testPruneDeliveries: the retention runner's --webhook-log-retention
// deletes the deliveries that ended (delivered or failed) before the
// window, by when they ended, in several batches, and
// keeps pending ones however old and those delivered within the window
// (a redelivery of an old record). The clocks (the store's and the
// runner's) are injected, so days pass without waiting.
func testPruneDeliveries(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ps, clock, h := pruneFixture(t, s)
	t0 := WebhookNow
	day := retention.Day
	refusals(t, s, 4) // created at t0
	clock.SetNow(func() time.Time { return t0.Add(20 * day) })
	refusals(t, s, 1) // created 20 days later
	jobs, err := s.ClaimDeliveries(ctx, "o", t0.Add(20*day), t0.Add(21*day), 10)
	if err != nil || len(jobs) != 5 {
		t.Fatalf("ClaimDeliveries = %d jobs, %v; want 5", len(jobs), err)
	}
	d := func(i int) int64 { return jobs[i].Delivery.ID }
	done := func(i int, at time.Time) fc.DeliveryResult {
		return fc.DeliveryResult{DeliveryID: d(i), WebhookID: h.ID, At: at, Delivered: true, StatusCode: 200}
	}
	err = s.FinishDeliveries(ctx, "o", []fc.DeliveryResult{
		done(0, t0), // old, delivered at once
		{DeliveryID: d(1), WebhookID: h.ID, At: t0, StatusCode: 500, Error: "HTTP 500"}, // old, failed for good
		// d(2) stays pending (its lease runs out)
		done(3, t0.Add(25*day)), // old, delivered 25 days later (a redelivery)
		done(4, t0.Add(20*day)), // 20 days younger, delivered at once
	})
	if err != nil {
		t.Fatalf("FinishDeliveries: %v", err)
	}
	left := func() []int64 {
		t.Helper()
		log, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, r := range log.Records {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		return ids
	}
	for _, c := range []struct {
		now     time.Time
		deleted int
		left    []int64
	}{
		{t0.Add(29 * day), 0, []int64{d(0), d(1), d(2), d(3), d(4)}},
		{t0.Add(31 * day), 2, []int64{d(2), d(3), d(4)}},
		{t0.Add(56 * day), 2, []int64{d(2)}},
		{t0.Add(1000 * day), 0, []int64{d(2)}},
	} {
		res, err := pruneRun(ctx, ps, c.now)
		if err != nil {
			t.Fatalf("RunOnce at day %d: %v", c.now.Sub(t0)/day, err)
		}
		if got := left(); res.DeliveriesDeleted != c.deleted || !slices.Equal(got, c.left) {
			t.Errorf("retention at day %d: %d deleted, %v left; want %d, %v", c.now.Sub(t0)/day, res.DeliveriesDeleted, got,
				c.deleted, c.left)
		}
	}
}

// pruneFixture is the start of the delivery log's retention tests: s as
// an fc.PrivacyStore, its clock's setter, the test directory imported and
// one webhook of FailedCheckins.
func pruneFixture(t *testing.T, s WebhookBackend) (fc.PrivacyStore, interface{ SetNow(func() time.Time) }, *fc.Webhook) {
	t.Helper()
	ps, ok := s.(fc.PrivacyStore)
	clock, ok2 := s.(interface{ SetNow(func() time.Time) })
	if !ok || !ok2 {
		t.Fatalf("%T is not an fc.PrivacyStore with SetNow", s)
	}
	ImportTestDirectory(t, s)
	return ps, clock, newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
}

// pruneRun runs the retention runner once at now with only a 30-day
// delivery log window, in batches of two (so a run takes several).
func pruneRun(ctx context.Context, ps fc.PrivacyStore, now time.Time) (retention.Result, error) {
	r := &retention.Runner{Store: ps, Windows: retention.Windows{WebhookLogRetention: 30 * retention.Day},
		Now: func() time.Time { return now }, FirstBatch: 2, MinBatch: 2, Pause: time.Nanosecond}
	return r.RunOnce(ctx)
}

// testPruneEndedLate: the delivery log's retention counts a delivery
// from when it ended, not from when it was created or first delivered: a
// delivery that waited 40 days (its webhook off, then on again) and then
// failed, or an old delivered one redelivered, is kept for the whole
// window from its new end, whichever way it ended (delivered, failed
// after an attempt, or failed unsent).
func testPruneEndedLate(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ps, clock, h := pruneFixture(t, s)
	t0 := WebhookNow
	day := retention.Day
	refusals(t, s, 5) // created at t0
	jobs, err := s.ClaimDeliveries(ctx, "o", t0, t0.Add(time.Minute), 10)
	if err != nil || len(jobs) != 5 {
		t.Fatalf("ClaimDeliveries = %d jobs, %v; want 5", len(jobs), err)
	}
	d := func(i int) int64 { return jobs[i].Delivery.ID }
	// d(0) and d(1) stay pending (their leases run out); the others are
	// delivered at once.
	var first []fc.DeliveryResult
	for i := 2; i < 5; i++ {
		first = append(first, fc.DeliveryResult{DeliveryID: d(i), WebhookID: h.ID, At: t0, Delivered: true, StatusCode: 200})
	}
	if err := s.FinishDeliveries(ctx, "o", first); err != nil {
		t.Fatalf("FinishDeliveries at t0: %v", err)
	}
	// 40 days later the three delivered ones are redelivered and all five
	// end.
	t40 := t0.Add(40 * day)
	clock.SetNow(func() time.Time { return t40 })
	if n, err := s.RedeliverWebhook(ctx, fc.AllBusinesses(), h.ID, []int64{d(2), d(3), d(4)}, ""); err != nil || n != 3 {
		t.Fatalf("RedeliverWebhook = %d, %v; want 3", n, err)
	}
	again, err := s.ClaimDeliveries(ctx, "p", t40, t40.Add(time.Minute), 10)
	if err != nil || len(again) != 5 {
		t.Fatalf("ClaimDeliveries at day 40 = %d jobs, %v; want 5", len(again), err)
	}
	cases := []struct {
		name string
		end  fc.DeliveryResult
	}{
		{"pending 40 days, then Failed: kept", fc.DeliveryResult{DeliveryID: d(0), StatusCode: 500, Error: "HTTP 500"}},
		{"pending 40 days, then Failed unsent: kept", fc.DeliveryResult{DeliveryID: d(1), NotSent: true, Error: "gone"}},
		{"redelivered old row: kept for the window from its new end (Failed)", fc.DeliveryResult{DeliveryID: d(2), StatusCode: 500, Error: "HTTP 500"}},
		{"redelivered old row: kept for the window from its new end (Delivered)", fc.DeliveryResult{DeliveryID: d(3), Delivered: true, StatusCode: 200}},
		{"redelivered old row: kept for the window from its new end (Failed unsent)", fc.DeliveryResult{DeliveryID: d(4), NotSent: true, Error: "gone"}},
	}
	var ends []fc.DeliveryResult
	for _, c := range cases {
		r := c.end
		r.WebhookID, r.At = h.ID, t40
		ends = append(ends, r)
	}
	if err := s.FinishDeliveries(ctx, "p", ends); err != nil {
		t.Fatalf("FinishDeliveries at day 40: %v", err)
	}
	for _, at := range []struct {
		day     int
		deleted int
	}{{41, 0}, {69, 0}, {71, len(cases)}} {
		res, err := pruneRun(ctx, ps, t0.Add(time.Duration(at.day)*day))
		if err != nil {
			t.Fatalf("RunOnce at day %d: %v", at.day, err)
		}
		if res.DeliveriesDeleted != at.deleted {
			t.Errorf("retention at day %d deleted %d; want %d", at.day, res.DeliveriesDeleted, at.deleted)
		}
		log, err := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(fmt.Sprintf("%s, day %d", c.name, at.day), func(t *testing.T) {
				kept := slices.ContainsFunc(log.Records, func(r *fc.WebhookDelivery) bool { return r.ID == c.end.DeliveryID })
				if want := at.day < 70; kept != want {
					t.Errorf("at day %d (ended on day 40, a 30-day window): kept %v; want %v", at.day, kept, want)
				}
			})
		}
	}
}

// testEditKeepsOthersChanges: an edit writes the fields its client
// changed from what it read (base), over the webhook as stored then; what
// another client changed in between (a secret rotated, a disable) stays.
func testEditKeepsOthersChanges(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	read := func() *fc.Webhook {
		t.Helper()
		w, err := s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	base := read() // the first client reads, then takes its time
	// Meanwhile a second client rotates the secret, a third disables it.
	for _, change := range []func(*fc.Webhook){
		func(w *fc.Webhook) { w.Secret = fc.NewWebhookSecret() },
		func(w *fc.Webhook) { w.Active = false },
	} {
		b := read()
		w := *b
		change(&w)
		if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), b, &w); err != nil {
			t.Fatal(err)
		}
	}
	between := read()
	edit := *base
	edit.Name = "renamed"
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), base, &edit); err != nil {
		t.Fatal(err)
	}
	got := read()
	if got.Name != "renamed" || got.Secret != between.Secret || got.Secret == base.Secret || got.Active {
		t.Errorf("after an edit of the name over a stale read: name %q, secret rotated kept %v, active %v; want the new name, the rotated secret and disabled",
			got.Name, got.Secret == between.Secret, got.Active)
	}
	// Without a base every field is the client's.
	whole := *got
	whole.Active, whole.Secret = true, base.Secret
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), nil, &whole); err != nil {
		t.Fatal(err)
	}
	if got := read(); !got.Active || got.Secret != base.Secret {
		t.Errorf("a write without base kept the stored fields: %+v", got)
	}
}

func testDisableAndResume(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, nil, "")
	refusals(t, s, fc.WebhookDisableAfter+1)
	now := WebhookNow
	later := now.Add(time.Hour)
	jobs := claim(t, s, "a", now)
	for _, j := range jobs[:fc.WebhookDisableAfter] {
		finish(t, s, "a", fc.DeliveryResult{DeliveryID: j.Delivery.ID, WebhookID: h.ID, At: now, Next: &later, StatusCode: 503, Error: "HTTP 503"})
	}
	w, _ := s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID)
	if w.Active || w.ErrorCount != fc.WebhookDisableAfter || w.LastError == "HTTP 503" {
		t.Fatalf("after %d failures: %+v; want disabled, saying why", fc.WebhookDisableAfter, w)
	}
	// The 11th, claimed before, is released at the lease's end; nothing
	// of a disabled webhook is claimed, even when due.
	if jobs := claim(t, s, "b", later.Add(2*time.Minute)); len(jobs) != 0 {
		t.Errorf("claimed %d deliveries of a disabled webhook", len(jobs))
	}
	w.Active = true
	if err := s.UpdateWebhook(ctx, fc.AllBusinesses(), nil, w); err != nil {
		t.Fatal(err)
	}
	w, _ = s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID)
	if !w.Active || w.ErrorCount != 0 {
		t.Errorf("re-enabled: %+v", w)
	}
	// Re-enabled: every pending delivery is due at once (the store's now).
	if jobs := claim(t, s, "b", now.Add(2*time.Minute)); len(jobs) != fc.WebhookDisableAfter+1 {
		t.Fatalf("after re-enabling claimed %d; want %d", len(jobs), fc.WebhookDisableAfter+1)
	} else {
		// A 410 disables at once.
		finish(t, s, "b", fc.DeliveryResult{DeliveryID: jobs[0].Delivery.ID, WebhookID: h.ID, At: now, Next: &later, StatusCode: 410,
			Error: "HTTP 410", Disable: true})
	}
	w, _ = s.FindWebhookByID(ctx, fc.AllBusinesses(), h.ID)
	if w.Active || w.ErrorCount != 1 {
		t.Errorf("after a 410: %+v; want disabled", w)
	}
}

func testRedeliver(t *testing.T, s WebhookBackend) {
	ctx := context.Background()
	ImportTestDirectory(t, s)
	h := newHook(t, s, "h", fc.ActionFailedCheckin, ptr[int64](1), "")
	other := newHook(t, s, "other", fc.ActionFailedCheckin, ptr[int64](1), "")
	refusals(t, s, 3)
	now := WebhookNow
	for _, j := range claim(t, s, "a", now) {
		finish(t, s, "a", fc.DeliveryResult{DeliveryID: j.Delivery.ID, WebhookID: j.Delivery.WebhookID, At: now, StatusCode: 400, Error: "HTTP 400"})
	}
	log, _ := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), h.ID, 1, 10)
	if log.TotalItems != 3 || log.Records[0].Status != fc.DeliveryFailed {
		t.Fatalf("log = %+v", log)
	}
	n, err := s.RedeliverWebhook(ctx, fc.BusinessScope(1), h.ID, []int64{log.Records[0].ID}, "")
	if err != nil || n != 1 {
		t.Fatalf("RedeliverWebhook(ids) = %d, %v", n, err)
	}
	jobs := claim(t, s, "a", now.Add(time.Second))
	if len(jobs) != 1 || jobs[0].Delivery.ID != log.Records[0].ID || jobs[0].Delivery.Attempts != 0 {
		t.Fatalf("claim after redeliver = %+v", jobs)
	}
	// Another webhook's delivery id redelivers nothing.
	olog, _ := s.FindWebhookDeliveries(ctx, fc.AllBusinesses(), other.ID, 1, 10)
	if n, err := s.RedeliverWebhook(ctx, fc.AllBusinesses(), h.ID, []int64{olog.Records[0].ID}, ""); err != nil || n != 0 {
		t.Errorf("redeliver another webhook's delivery = %d, %v", n, err)
	}
	if n, err := s.RedeliverWebhook(ctx, fc.AllBusinesses(), h.ID, nil, fc.DeliveryFailed); err != nil || n != 2 {
		t.Errorf("RedeliverWebhook(Failed) = %d, %v; want 2", n, err)
	}
	if _, err := s.RedeliverWebhook(ctx, fc.BusinessScope(2), h.ID, nil, fc.DeliveryFailed); fc.ErrorCode(err) != fc.ErrNotFound {
		t.Errorf("redeliver out of scope: %v", err)
	}
}
