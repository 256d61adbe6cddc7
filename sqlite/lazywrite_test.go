package sqlite

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestLazyWrite: a lazy write (the webhook dispatcher's claims and
// results) runs with synchronous=NORMAL, and the writer is back at FULL
// after it, whether it committed or failed, so every other write (the
// check-ins) stays durable; an ordinary write runs at FULL.
func TestLazyWrite(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	// Each read of the pragma is a new statement: SQLite fixes a
	// pragma's answer when it prepares it, and writes prepare their
	// statements once.
	n := 0
	inside := func(write func(context.Context, func(sqlstore.WriteTx, time.Time) error) error, fail bool) string {
		t.Helper()
		var got string
		n++
		err := write(ctx, func(tx sqlstore.WriteTx, _ time.Time) error {
			if err := tx.QueryRow(ctx, "PRAGMA synchronous -- "+strconv.Itoa(n)).Scan(&got); err != nil {
				return err
			}
			if fail {
				return errors.New("fail")
			}
			return nil
		})
		if (err != nil) != fail {
			t.Fatalf("write = %v; fail %v", err, fail)
		}
		return got
	}
	after := func(what string) {
		t.Helper()
		var got string
		if err := db.writer.QueryRow("PRAGMA synchronous").Scan(&got); err != nil || got != "2" {
			t.Errorf("after %s: the writer's synchronous = %q, %v; want 2 (FULL)", what, got, err)
		}
	}
	if got := inside(db.writeLazy, false); got != "1" {
		t.Errorf("inside a lazy write synchronous = %q; want 1 (NORMAL)", got)
	}
	after("a lazy write")
	if got := inside(db.writeLazy, true); got != "1" {
		t.Errorf("inside a failed lazy write synchronous = %q; want 1 (NORMAL)", got)
	}
	after("a failed lazy write")
	if got := inside(db.write, false); got != "2" {
		t.Errorf("inside an ordinary write synchronous = %q; want 2 (FULL)", got)
	}
}
