package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/demo"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestNumberedPlaceholders proves that SQLite binds the shared texts'
// placeholders ($1, $2, ... in order of first appearance, reused freely)
// as PostgreSQL does, both unprepared (a text's first write transaction)
// and through the statement prepared before the next; and shows why the order
// rule exists: SQLite numbers $N by appearance, not by N.
func TestNumberedPlaceholders(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const shared = `SELECT $1, $2, $1 + $2, $3`
	for run := range 2 {
		err := db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
			var a, b, sum int64
			var s string
			if err := tx.QueryRow(ctx, shared, 10, 3, "x").Scan(&a, &b, &sum, &s); err != nil {
				return err
			}
			if a != 10 || b != 3 || sum != 13 || s != "x" {
				t.Errorf("run %d: got %d, %d, %d, %q; want 10, 3, 13, \"x\"", run, a, b, sum, s)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		db.writes.mu.Lock()
		_, prepared := db.writes.stmts[shared]
		db.writes.mu.Unlock()
		if want := run > 0; prepared != want {
			t.Errorf("run %d: prepared = %v; want %v (unprepared in its first transaction, prepared before the next)", run, prepared, want)
		}
	}
	err = db.read(ctx, func(tx sqlstore.Tx) error {
		var first, second string
		if err := tx.QueryRow(ctx, `SELECT $2, $1`, "a", "b").Scan(&first, &second); err != nil {
			return err
		}
		if first != "a" || second != "b" {
			t.Errorf("SELECT $2, $1 with (a, b) = (%s, %s): SQLite no longer numbers by appearance; the rule may be relaxed", first, second)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestQueueWaitsForFlush checks the WriteTx contract the shared pipeline
// relies on: a queued write is not seen before Flush, and is after.
func TestQueueWaitsForFlush(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "q.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE t (v INTEGER)`); err != nil {
			return err
		}
		tx.Queue(`INSERT INTO t (v) VALUES ($1)`, 7)
		count := func() (n int) {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM t`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(); n != 0 {
			t.Errorf("before Flush: %d rows, want 0", n)
		}
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		if n := count(); n != 1 {
			t.Errorf("after Flush: %d rows, want 1", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFailedPurgeKeepsTheBatch checks the rule of sqlstore's purgeKeys:
// a purge of expired idempotency keys that fails leaves the keys and
// still commits the batch's check-ins.
func TestFailedPurgeKeepsTheBatch(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
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
				VALUES (1, 'old', 'f', 0, 1, '', '', 0)`,
			`CREATE TRIGGER no_purge BEFORE DELETE ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'no purge'); END`,
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
		err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM failed_checkins) + (SELECT count(*) FROM checkins),
			(SELECT count(*) FROM idempotency_keys)`).Scan(&records, &keys)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if records != len(attempts) || keys != 1 {
		t.Errorf("after a failed purge: %d records (want %d), %d keys (want the 1 kept)", records, len(attempts), keys)
	}
}
