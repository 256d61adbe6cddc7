package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/demo"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestFailedPurgeKeepsTheBatch checks the rule of sqlstore's purgeKeys
// where it matters most: a failed statement aborts a PostgreSQL
// transaction, yet a purge of expired idempotency keys that fails must
// leave the keys and still commit the batch's check-ins.
func TestFailedPurgeKeepsTheBatch(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	db.SetNow(time.Now)
	d, attempts, err := demo.History(1, 5, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ImportDirectory(ctx, d); err != nil {
		t.Fatal(err)
	}
	err = db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		for _, s := range []string{
			`INSERT INTO idempotency_keys (user_id, key, fingerprint, accepted, record_id, reason, description, created_on)
				VALUES (1, 'old', 'f', false, 1, '', '', '2000-01-01Z')`,
			`CREATE FUNCTION no_purge() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no purge'; END $$`,
			`CREATE TRIGGER no_purge BEFORE DELETE ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION no_purge()`,
		} {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordAttempts(ctx, attempts); err != nil {
		t.Fatalf("a failed purge failed the batch: %v", err)
	}
	var records, keys int
	err = db.read(ctx, func(tx sqlstore.Tx) error {
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM failed_checkins) + (SELECT count(*) FROM checkins),
			(SELECT count(*) FROM idempotency_keys)`).Scan(&records, &keys)
	})
	if err != nil {
		t.Fatal(err)
	}
	if records != len(attempts) || keys != 1 {
		t.Errorf("after a failed purge: %d records (want %d), %d keys (want the 1 kept)", records, len(attempts), keys)
	}
}
