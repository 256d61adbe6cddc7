package postgres

import (
	"context"
	"testing"
	"time"
)

// TestMigration0020: deliveries that ended before ended_on existed count
// from the latest time known (delivered_on when it is later than
// created_on, created_on otherwise, also for a Failed one that has no
// delivered_on); a Pending one has none.
func TestMigration0020(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// Migrations 0020-0022 taken back: a database at version 19 (Migrate
	// applies 0021 and 0022 again after 0020).
	undo := `DROP TABLE webhook_outbox; ALTER TABLE webhook_deliveries DROP COLUMN outbox_id, DROP COLUMN ended_on;
		ALTER TABLE alert_state DROP COLUMN incidents_writer;
		DELETE FROM schema_migrations WHERE version >= 20`
	if _, err := db.pool.Exec(ctx, undo); err != nil {
		t.Fatalf("take migration 0020 back: %v", err)
	}
	created := time.UnixMilli(1779990000000).UTC()
	delivered := created.Add(90 * time.Second)
	const seed = `INSERT INTO webhooks (id, unique_id, business_id, name, action, description, url, active, filter, secret,
			last_error, error_count, created_on, updated_on) OVERRIDING SYSTEM VALUE VALUES
			(7, 'u7', NULL, 'a', 63, '', 'http://127.0.0.1:1/', true, '', 'whsec_x', '', 0, $1, $1)`
	if _, err := db.pool.Exec(ctx, seed, created); err != nil {
		t.Fatal(err)
	}
	const deliveries = `INSERT INTO webhook_deliveries (id, webhook_id, action, record_id, event_id, status, attempts, last_error,
			next_attempt_on, created_on, delivered_on) OVERRIDING SYSTEM VALUE VALUES
			(40, 7, 63, 1000, 'msg_a', 'Pending', 2, 'HTTP 500', $1, $1, NULL),
			(41, 7, 63, 1001, 'msg_b', 'Delivered', 1, NULL, NULL, $1, $2),
			(42, 7, 63, 1002, 'msg_c', 'Failed', 10, 'HTTP 500', NULL, $1, NULL)`
	if _, err := db.pool.Exec(ctx, deliveries, created, delivered); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]*time.Time{40: nil, 41: &delivered, 42: &created} {
		var ended *time.Time
		if err := db.pool.QueryRow(ctx, `SELECT ended_on FROM webhook_deliveries WHERE id = $1`, id).Scan(&ended); err != nil {
			t.Fatal(err)
		}
		if (ended == nil) != (want == nil) || ended != nil && !ended.Equal(*want) {
			t.Errorf("ended_on of delivery %d after the migration = %v; want %v", id, ended, want)
		}
	}
}
