package storetest

import (
	"context"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CheckClaimFansOutItsPlaces: a claim fans out only as many outbox rows as
// it has places (and the lookahead row), and none while the deliveries
// already made fill them, so a burst's records stay one outbox row each
// until they are to be sent; every delivery is still claimed in the end,
// once.
// outbox counts the store's outbox rows. Both stores' tests run it on a
// new, migrated store.
func CheckClaimFansOutItsPlaces(t *testing.T, db OutboxMigrated, outboxRows func() (int, error)) {
	t.Helper()
	ctx := context.Background()
	ImportTestDirectory(t, db)
	for _, name := range []string{"a", "b", "c"} {
		h := &fc.Webhook{Name: name, Action: fc.ActionFailedCheckin, URL: "http://127.0.0.1:1/", Active: true, Secret: fc.NewWebhookSecret()}
		if err := db.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	db.SetNow(time.Now)
	const records = 40
	attempts := make([]*fc.Attempt, records)
	for i := range attempts {
		attempts[i] = &fc.Attempt{BusinessID: 1, Source: fc.SourceTile, AccessCardID: "nobody", FromTime: time.Now()}
	}
	if _, err := db.RecordAttempts(ctx, attempts); err != nil {
		t.Fatal(err)
	}
	outbox := func() int {
		t.Helper()
		n, err := outboxRows()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := outbox(); n != records {
		t.Fatalf("outbox = %d rows; want %d", n, records)
	}
	seen := map[string]bool{}
	claim := func() int {
		t.Helper()
		now := time.Now()
		jobs, err := db.ClaimDeliveries(ctx, "test", now, now.Add(time.Minute), 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs {
			if seen[j.Delivery.EventID] {
				t.Fatalf("delivery %s claimed twice", j.Delivery.EventID)
			}
			seen[j.Delivery.EventID] = true
		}
		return len(jobs)
	}
	if got := claim(); got == 0 || got > 4 {
		t.Fatalf("first claim = %d deliveries; want 1-4", got)
	}
	// Four places and the lookahead: five rows, fifteen deliveries.
	if n := outbox(); n != records-5 {
		t.Errorf("outbox after the first claim = %d rows; want %d", n, records-5)
	}
	claim()
	if n := outbox(); n != records-5 {
		t.Errorf("outbox after a claim the made deliveries filled = %d rows; want %d", n, records-5)
	}
	for range 3 * records {
		if claim() == 0 {
			break
		}
	}
	if len(seen) != 3*records || outbox() != 0 {
		t.Errorf("claimed %d deliveries, %d outbox rows left; want %d and 0", len(seen), outbox(), 3*records)
	}
}
