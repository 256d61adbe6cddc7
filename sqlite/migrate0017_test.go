package sqlite

import (
	"context"
	"regexp"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestMigration0017: the outbox rebuilt without its UNIQUE event_id keeps
// every delivery with its Id, state and stored webhook-id (a retry sends
// the one it was first sent with), and the deliveries queued afterwards
// get a webhook-id derived from the row (sqlstore.EventID).
func TestMigration0017(t *testing.T) {
	ctx := context.Background()
	db := openAtVersion(t, 0)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Take migration 0017 back (and 0018 and 0019 after it, which Migrate applies
	// again): the outbox of 0012.
	text, err := migrationFiles.ReadFile("migrations/0012_webhooks.sql")
	if err != nil {
		t.Fatal(err)
	}
	old := regexp.MustCompile(`(?s)CREATE TABLE webhook_deliveries .*`).FindString(string(text))
	undo := `DROP TABLE webhook_deliveries; DROP TABLE webhook_outbox; ALTER TABLE webhook_state DROP COLUMN event_prefix;
		ALTER TABLE alert_state DROP COLUMN incidents_writer;
		DELETE FROM schema_migrations WHERE version >= 17;` + old
	if _, err := db.writer.Exec(undo); err != nil {
		t.Fatalf("take migration 0017 back: %v", err)
	}
	storetest.ImportTestDirectory(t, db)
	const seed = `INSERT INTO webhooks (id, unique_id, business_id, name, action, description, url, active, filter, secret,
			last_error, error_count, created_on, updated_on) VALUES (7, 'u7', NULL, 'old', 63, '', 'http://127.0.0.1:1/', 1, '', 'whsec_x', '', 0, 0, 0);
		UPDATE webhook_state SET version = version + 1;
		INSERT INTO webhook_deliveries (id, webhook_id, action, record_id, event_id, status, attempts, last_error, next_attempt_on, created_on, delivered_on)
			VALUES (40, 7, 63, 1000, 'msg_0190aaaabbbbcccc', 'Pending', 2, 'HTTP 500', 1780000000000, 1779990000000, NULL),
			       (41, 7, 63, 1001, 'msg_0190ddddeeeeffff', 'Delivered', 1, NULL, NULL, 1779990000001, 1779990090001),
			       (42, 7, 63, 1002, 'msg_0190000011112222', 'Failed', 10, 'HTTP 500', NULL, 1779990000002, NULL)`
	if _, err := db.writer.Exec(seed); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := db.FindWebhookDeliveries(ctx, fc.AllBusinesses(), 7, 1, 10)
	if err != nil || page.TotalItems != 3 {
		t.Fatalf("deliveries after the migration = %+v, %v; want 3", page, err)
	}
	got := map[int64]*fc.WebhookDelivery{}
	for _, d := range page.Records {
		got[d.ID] = d
	}
	if d := got[40]; d == nil || d.EventID != "msg_0190aaaabbbbcccc" || d.Status != fc.DeliveryPending || d.Attempts != 2 ||
		d.RecordID != 1000 || d.LastError == nil || *d.LastError != "HTTP 500" || d.NextAttemptOn == nil {
		t.Errorf("delivery 40 after the migration = %+v", d)
	}
	if d := got[41]; d == nil || d.EventID != "msg_0190ddddeeeeffff" || d.Status != fc.DeliveryDelivered {
		t.Errorf("delivery 41 after the migration = %+v", d)
	}
	// Migration 0018 (ended_on): a delivery that ended before it counts
	// from the latest time known (its delivery when it has one, else its
	// creation); a pending one has none.
	for id, want := range map[int64]any{40: nil, 41: int64(1779990090001), 42: int64(1779990000002)} {
		var ended any
		if err := db.writer.QueryRow(`SELECT ended_on FROM webhook_deliveries WHERE id = ?`, id).Scan(&ended); err != nil || ended != want {
			t.Errorf("ended_on of delivery %d after the migrations = %v, %v; want %v", id, ended, err, want)
		}
	}
	var unique int
	if err := db.writer.QueryRow(`SELECT count(*) FROM pragma_index_list('webhook_deliveries') WHERE "unique"`).Scan(&unique); err != nil || unique != 0 {
		t.Errorf("unique indexes on webhook_deliveries = %d, %v; want none", unique, err)
	}
	var prefix string
	if err := db.writer.QueryRow(`SELECT event_prefix FROM webhook_state`).Scan(&prefix); err != nil || !regexp.MustCompile(`^[0-9a-f]{12}$`).MatchString(prefix) {
		t.Fatalf("event_prefix = %q, %v; want 12 hex digits", prefix, err)
	}

	// A refusal queued now (through the outbox of migration 0020): the
	// webhook-id derived from its outbox row, whose Id the delivery keeps.
	db.SetNow(time.Now)
	_, err = db.RecordAttempts(ctx, []*fc.Attempt{{BusinessID: 1, Source: fc.SourceTile, AccessCardID: "nobody", FromTime: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	page, err = db.FindWebhookDeliveries(ctx, fc.AllBusinesses(), 7, 1, 1)
	if err != nil || len(page.Records) != 1 || page.TotalItems != 4 {
		t.Fatalf("deliveries after a refusal = %+v, %v; want 4", page, err)
	}
	d := page.Records[0]
	var stored *string
	var outbox *int64
	err = db.writer.QueryRow(`SELECT event_id, outbox_id FROM webhook_deliveries WHERE id = ?`, d.ID).Scan(&stored, &outbox)
	if err != nil || stored != nil || outbox == nil || *outbox != 1 {
		t.Errorf("stored event_id and outbox_id of the new delivery = %v, %v, %v; want NULL and 1", stored, outbox, err)
	}
	want := regexp.MustCompile(`^msg_` + prefix + `_o1_7_\d{13}$`)
	if d.ID != 43 || !want.MatchString(d.EventID) {
		t.Errorf("new delivery %d has webhook-id %q; want %s", d.ID, d.EventID, want)
	}
}
