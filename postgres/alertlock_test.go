package postgres

import (
	"context"
	"testing"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// TestAlertRuleEditTakesRecordsLock: an edit of a rule takes the records'
// lock, as its delete and every attempt batch do, so that a batch counting
// with the old rule cannot add refusals after the edit forgets them. While
// an import holds its lock the edit is an ErrUnavailable, like the delete,
// and changes nothing; without the lock it would go ahead.
func TestAlertRuleEditTakesRecordsLock(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	r := &fc.AlertRule{Name: "stuck", Active: true, GroupBy: []fc.Field{fc.FieldCoworkerID}, Threshold: 3, WindowMinutes: 10,
		RepeatMinutes: 60, ResolveMinutes: 10}
	if err := db.CreateAlertRule(ctx, r); err != nil {
		t.Fatal(err)
	}
	conn := acquire(t, db)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(sqlstore.ImportLockKey)); err != nil {
		t.Fatal(err)
	}
	edit := *r
	edit.Threshold = 1
	err := db.UpdateAlertRule(ctx, fc.AllBusinesses(), &edit)
	if _, unlockErr := conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, int64(sqlstore.ImportLockKey)); unlockErr != nil {
		t.Fatal(unlockErr)
	}
	if fc.ErrorCode(err) != fc.ErrUnavailable {
		t.Fatalf("UpdateAlertRule during an import = %v; want ErrUnavailable", err)
	}
	if got, _ := db.FindAlertRuleByID(ctx, fc.AllBusinesses(), r.ID); got.Threshold != 3 {
		t.Errorf("rule after the refused edit = %+v; want unchanged", got)
	}
	if err := db.UpdateAlertRule(ctx, fc.AllBusinesses(), &edit); err != nil {
		t.Errorf("UpdateAlertRule after the import = %v", err)
	}
}
