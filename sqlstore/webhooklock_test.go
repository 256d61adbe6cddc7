package sqlstore_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestWebhookLocksDoNotDeadlock: two servers each recording the results
// of one webhook (FinishAndClaim's lockWebhooks: server A webhook 2,
// server B webhook 1) and then fanning out records queued for both (the
// fan-out's lock of the webhooks the outbox rows name) neither wait for
// each other. With FOR UPDATE in lockWebhooks each fan-out waited for the
// other's webhook, and PostgreSQL aborted one as a deadlock (40P01).
func TestWebhookLocksDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	var ids []int64
	for _, name := range []string{"one", "two"} {
		w := &fc.Webhook{Name: name, Action: fc.ActionFailedCheckin, URL: "https://example.com/" + name, Active: true,
			Secret: fc.NewWebhookSecret()}
		if err := db.CreateWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, w.ID)
	}
	begin := func() pgx.Tx {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = conn.Close(ctx) })
		// A wait that is no deadlock ends the test rather than hanging
		// it; the deadlock itself PostgreSQL finds after deadlock_timeout.
		if _, err := conn.Exec(ctx, `SET lock_timeout = '30s'`); err != nil {
			t.Fatal(err)
		}
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
	pg := sqlstore.PostgreSQL()
	a, b := begin(), begin()
	if _, err := a.Exec(ctx, sqlstore.LockWebhooksSQL(pg, "$1"), ids[1]); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Exec(ctx, sqlstore.LockWebhooksSQL(pg, "$1"), ids[0]); err != nil {
		t.Fatal(err)
	}
	fanOut := func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, sqlstore.FanOutLockSQL("$1, $2"), ids[0], ids[1])
		if err != nil {
			_ = tx.Rollback(ctx) // releases the locks, so that the other ends
			return err
		}
		return tx.Commit(ctx)
	}
	errA := make(chan error, 1)
	go func() { errA <- fanOut(a) }()
	if err := fanOut(b); err != nil {
		t.Errorf("server B's fan-out: %v", err)
	}
	if err := <-errA; err != nil {
		t.Errorf("server A's fan-out: %v", err)
	}
}
