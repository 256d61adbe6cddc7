package storetest

import (
	"context"
	"regexp"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// OutboxMigrated is a webhook store whose clock a test sets and whose
// queue depth it reads.
type OutboxMigrated interface {
	WebhookBackend
	SetNow(now func() time.Time)
	PendingDeliveries(ctx context.Context) (int64, error)
}

// CheckOutboxMigrated is the part both stores' migration tests of the
// outbox (SQLite 0020, PostgreSQL 0022) share, run on a store just
// migrated after the test seeded webhooks 7 and 8 and deliveries 40 and
// 41 of record 1000: those deliveries are claimed as before, with the
// webhook-ids wantIDs gives; a refusal recorded afterwards writes one
// outbox row naming 7,8, which the claim fans out into deliveries whose
// webhook-ids derive from the outbox row (msg_{prefix}_o1_{webhook}_{ms}).
// outbox reads the outbox table: its rows and their webhooks, joined by
// ";" ("" for none).
func CheckOutboxMigrated(t *testing.T, s OutboxMigrated, prefix string, wantIDs map[int64]string, outbox func() (rows int, named string, err error)) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	jobs, err := s.ClaimDeliveries(ctx, "test", now, now.Add(time.Minute), 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim after the migration = %d jobs, %v; want 2", len(jobs), err)
	}
	for _, j := range jobs {
		if d := j.Delivery; wantIDs[d.ID] != d.EventID || d.RecordID != 1000 {
			t.Errorf("delivery %d after the migration: record %d, webhook-id %q; want %q", d.ID, d.RecordID, d.EventID, wantIDs[d.ID])
		}
	}

	s.SetNow(time.Now)
	res, err := s.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceTile, AccessCardID: "nobody", FromTime: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if rows, named, err := outbox(); err != nil || rows != 1 || named != "7,8" {
		t.Fatalf("outbox after a refusal = %d rows naming %q, %v; want one naming 7,8", rows, named, err)
	}
	if n, err := s.PendingDeliveries(ctx); err != nil || n != 4 {
		t.Errorf("PendingDeliveries = %d, %v; want 4 (2 claimed, 2 in the outbox)", n, err)
	}
	jobs, err = s.ClaimDeliveries(ctx, "test", time.Now(), time.Now().Add(time.Minute), 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim after a refusal = %d jobs, %v; want 2", len(jobs), err)
	}
	id := regexp.MustCompile(`^msg_` + prefix + `_o1_[78]_\d{13}$`)
	for _, j := range jobs {
		if d := j.Delivery; d.RecordID != res[0].Outcome.ID || !id.MatchString(d.EventID) {
			t.Errorf("new delivery %+v; want record %d, webhook-id like %s", d, res[0].Outcome.ID, id)
		}
	}
	if rows, _, err := outbox(); err != nil || rows != 0 {
		t.Errorf("outbox after the claim = %d rows, %v; want none", rows, err)
	}
}
