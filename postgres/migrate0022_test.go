package postgres

import (
	"context"
	"testing"
	"time"

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
	want := map[int64]string{40: "msg_0190aaaabbbbcccc", 41: sqlstore.EventID(prefix, 41, created)}
	storetest.CheckOutboxMigrated(t, db, prefix, want, func() (rows int, named string, err error) {
		err = db.pool.QueryRow(ctx, `SELECT count(*), coalesce(string_agg(webhooks, ';'), '') FROM webhook_outbox`).Scan(&rows, &named)
		return rows, named, err
	})
}
