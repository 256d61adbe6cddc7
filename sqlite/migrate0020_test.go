package sqlite

import (
	"context"
	"slices"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMigration0020: the outbox of one row per record is added beside the
// deliveries already queued, which keep their Ids, state and webhook-ids
// and are claimed as before; a refusal recorded afterwards writes one
// outbox row for its webhooks, which the claim fans out.
func TestMigration0020(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// Migration 0020 taken back: a database at version 19.
	if _, err := db.writer.Exec(`DROP TABLE webhook_outbox; ALTER TABLE webhook_deliveries DROP COLUMN outbox_id;
		DELETE FROM schema_migrations WHERE version >= 20`); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	const seed = `INSERT INTO webhooks (id, unique_id, business_id, name, action, description, url, active, filter, secret,
			last_error, error_count, created_on, updated_on) VALUES
			(7, 'u7', NULL, 'a', 63, '', 'http://127.0.0.1:1/', 1, '', 'whsec_x', '', 0, 0, 0),
			(8, 'u8', NULL, 'b', 63, '', 'http://127.0.0.1:1/', 1, '', 'whsec_x', '', 0, 0, 0);
		UPDATE webhook_state SET version = version + 1;
		INSERT INTO webhook_deliveries (id, webhook_id, action, record_id, event_id, status, attempts, last_error, next_attempt_on, created_on)
			VALUES (40, 7, 63, 1000, 'msg_0190aaaabbbbcccc', 'Pending', 2, 'HTTP 500', 1779990000000, 1779990000000),
			       (41, 8, 63, 1000, NULL, 'Pending', 0, NULL, 1779990000000, 1779990000000)`
	if _, err := db.writer.Exec(seed); err != nil {
		t.Fatal(err)
	}
	var prefix string
	if err := db.writer.QueryRow(`SELECT event_prefix FROM webhook_state`).Scan(&prefix); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]string{40: "msg_0190aaaabbbbcccc", 41: sqlstore.EventID(prefix, 41, time.UnixMilli(1779990000000))}
	storetest.CheckOutboxMigrated(t, db, prefix, want, func() (rows int, named string, err error) {
		err = db.writer.QueryRow(`SELECT count(*), coalesce(group_concat(webhooks, ';'), '') FROM webhook_outbox`).Scan(&rows, &named)
		return rows, named, err
	})
}

// TestOutboxFanOutRepeated: an outbox row fanned out again (the
// dispatcher's lazy transaction lost in a crash, after the attempts were
// sent) gives deliveries with the same webhook-ids, which receivers
// deduplicate on.
func TestOutboxFanOutRepeated(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	storetest.ImportTestDirectory(t, db)
	for _, name := range []string{"a", "b"} {
		h := &fc.Webhook{Name: name, Action: fc.ActionFailedCheckin, URL: "http://127.0.0.1:1/", Active: true, Secret: fc.NewWebhookSecret()}
		if err := db.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	db.SetNow(time.Now)
	if _, err := db.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceTile, AccessCardID: "nobody", FromTime: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	var saved struct {
		id, action, record, created int64
		webhooks                    string
	}
	err := db.writer.QueryRow(`SELECT id, action, record_id, webhooks, created_on FROM webhook_outbox`).
		Scan(&saved.id, &saved.action, &saved.record, &saved.webhooks, &saved.created)
	if err != nil {
		t.Fatal(err)
	}
	eventIDs := func() []string {
		t.Helper()
		jobs, err := db.ClaimDeliveries(ctx, "test", time.Now(), time.Now().Add(time.Minute), 10)
		if err != nil || len(jobs) != 2 {
			t.Fatalf("claim = %d jobs, %v; want 2", len(jobs), err)
		}
		var ids []string
		for _, j := range jobs {
			ids = append(ids, j.Delivery.EventID)
		}
		slices.Sort(ids)
		return ids
	}
	first := eventIDs()
	// The fan-out and the claim undone, as a lost transaction leaves them,
	// and another delivery since (so the new rows get other Ids).
	undo := `DELETE FROM webhook_deliveries;
		INSERT INTO webhook_deliveries (id, webhook_id, action, record_id, status, attempts, created_on) VALUES (100, 1, 63, 1, 'Delivered', 1, 0);
		INSERT INTO webhook_outbox (id, action, record_id, webhooks, created_on) VALUES (?, ?, ?, ?, ?)`
	if _, err := db.writer.Exec(undo, saved.id, saved.action, saved.record, saved.webhooks, saved.created); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond) // a later fan-out, at another millisecond
	if again := eventIDs(); !slices.Equal(again, first) || first[0] == first[1] {
		t.Errorf("webhook-ids after the fan-out again = %v; first %v", again, first)
	}
}
