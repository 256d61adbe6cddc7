package storetest

import (
	"context"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// CheckClaimFansOutItsPlaces: a claim fans out the outbox (one round, up
// to 256 rows) only when the deliveries already made do not fill its
// places, and none while they do, so a burst's records stay one outbox
// row each until they are about to be sent; every delivery is still
// claimed in the end, once.
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
	const records = 300
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
	claim := func(limit int) int {
		t.Helper()
		now := time.Now()
		jobs, err := db.ClaimDeliveries(ctx, "test", now, now.Add(time.Minute), limit)
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
	if got := claim(4); got == 0 || got > 4 {
		t.Fatalf("first claim = %d deliveries; want 1-4", got)
	}
	// One round of the fan-out: 256 rows, 768 deliveries.
	const left = records - 256
	if n := outbox(); n != left {
		t.Errorf("outbox after the first claim = %d rows; want %d", n, left)
	}
	claim(4)
	if n := outbox(); n != left {
		t.Errorf("outbox after a claim the made deliveries filled = %d rows; want %d", n, left)
	}
	for range 3 * records {
		if claim(64) == 0 {
			break
		}
	}
	if len(seen) != 3*records || outbox() != 0 {
		t.Errorf("claimed %d deliveries, %d outbox rows left; want %d and 0", len(seen), outbox(), 3*records)
	}
}
