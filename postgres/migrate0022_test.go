package postgres

import (
	"context"
	"regexp"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMigration0022: the outbox of one row per record is added beside the
// deliveries already queued, which keep their Ids, state and webhook-ids
// and are claimed as before; a refusal recorded afterwards writes one
// outbox row for its webhooks, which the claim fans out.
func TestMigration0022(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// Migration 0022 taken back: a database at version 21.
	if _, err := db.pool.Exec(ctx, `DROP TABLE webhook_outbox; ALTER TABLE webhook_deliveries DROP COLUMN outbox_id;
		DELETE FROM schema_migrations WHERE version >= 22`); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	created := time.UnixMilli(1779990000000).UTC()
	const seed = `INSERT INTO webhooks (id, unique_id, business_id, name, action, description, url, active, filter, secret,
			last_error, error_count, created_on, updated_on) OVERRIDING SYSTEM VALUE VALUES
			(7, 'u7', NULL, 'a', 63, '', 'http://127.0.0.1:1/', true, '', 'whsec_x', '', 0, $1, $1),
			(8, 'u8', NULL, 'b', 63, '', 'http://127.0.0.1:1/', true, '', 'whsec_x', '', 0, $1, $1)`
	if _, err := db.pool.Exec(ctx, seed, created); err != nil {
		t.Fatal(err)
	}
	const deliveries = `INSERT INTO webhook_deliveries (id, webhook_id, action, record_id, event_id, status, attempts, last_error,
			next_attempt_on, created_on) OVERRIDING SYSTEM VALUE VALUES
			(40, 7, 63, 1000, 'msg_0190aaaabbbbcccc', 'Pending', 2, 'HTTP 500', $1, $1),
			(41, 8, 63, 1000, NULL, 'Pending', 0, NULL, $1, $1)`
	if _, err := db.pool.Exec(ctx, `UPDATE webhook_state SET version = version + 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, deliveries, created); err != nil {
		t.Fatal(err)
	}
	var prefix string
	if err := db.pool.QueryRow(ctx, `SELECT event_prefix FROM webhook_state`).Scan(&prefix); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	jobs, err := db.ClaimDeliveries(ctx, "test", now, now.Add(time.Minute), 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim after the migration = %d jobs, %v; want 2", len(jobs), err)
	}
	want := map[int64]string{40: "msg_0190aaaabbbbcccc", 41: sqlstore.EventID(prefix, 41, created)}
	for _, j := range jobs {
		if d := j.Delivery; want[d.ID] != d.EventID || d.RecordID != 1000 {
			t.Errorf("delivery %d after the migration: record %d, webhook-id %q; want %q", d.ID, d.RecordID, d.EventID, want[d.ID])
		}
	}

	db.SetNow(time.Now)
	res, err := db.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceTile, AccessCardID: "nobody", FromTime: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	var rows int
	var named string
	err = db.pool.QueryRow(ctx, `SELECT count(*), coalesce(string_agg(webhooks, ';'), '') FROM webhook_outbox`).Scan(&rows, &named)
	if err != nil || rows != 1 || named != "7,8" {
		t.Fatalf("outbox after a refusal = %d rows naming %q, %v; want one naming 7,8", rows, named, err)
	}
	if n, err := db.PendingDeliveries(ctx); err != nil || n != 4 {
		t.Errorf("PendingDeliveries = %d, %v; want 4 (2 claimed, 2 in the outbox)", n, err)
	}
	jobs, err = db.ClaimDeliveries(ctx, "test", time.Now(), time.Now().Add(time.Minute), 10)
	if err != nil || len(jobs) != 2 {
		t.Fatalf("claim after a refusal = %d jobs, %v; want 2", len(jobs), err)
	}
	id := regexp.MustCompile(`^msg_` + prefix + `_o1_[78]_\d{13}$`)
	for _, j := range jobs {
		if d := j.Delivery; d.RecordID != res[0].Outcome.ID || !id.MatchString(d.EventID) {
			t.Errorf("new delivery %+v; want record %d, webhook-id like %s", d, res[0].Outcome.ID, id)
		}
	}
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM webhook_outbox`).Scan(&rows); err != nil || rows != 0 {
		t.Errorf("outbox after the claim = %d rows, %v; want none", rows, err)
	}
}
