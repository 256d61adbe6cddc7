package sqlite

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// PROTOTYPE (not for merge): variants of the audit's writes chosen by
// environment variables, to measure what the audit costs a get-one.
//
//	FC_PROTO_AUDIT_FILE=1   entries in a file of their own, path+"-audit"
//	FC_PROTO_AUDIT_NULL=1   the batch's arguments built, nothing written
//	FC_PROTO_AUDIT_LAZY=1   batches committed without fsync (writeLazy)
func (db *DB) openAuditFile(ctx context.Context) error {
	switch {
	case os.Getenv("FC_PROTO_AUDIT_NULL") != "":
		db.auditEntries.Write = func(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
			return fn(nullTx{}, time.Now())
		}
		return nil
	case os.Getenv("FC_PROTO_AUDIT_LAZY") != "":
		db.auditEntries.Write = db.writeLazy
		return nil
	case os.Getenv("FC_PROTO_AUDIT_FILE") == "":
		return nil
	}
	sub, err := open(ctx, db.path+"-audit", dsn)
	if err != nil {
		return err
	}
	text, err := migrationFiles.ReadFile("migrations/0013_audit.sql")
	if err != nil {
		return errors.Join(err, sub.Close())
	}
	if _, err := sub.writer.ExecContext(ctx, string(text)); err != nil {
		return errors.Join(err, sub.Close())
	}
	db.auditDB = sub
	db.auditEntries = sqlstore.Audit{D: dialect, Read: sub.read, Write: sub.write}
	return nil
}

type nullTx struct{}

func (nullTx) Exec(context.Context, string, ...any) (int64, error) { return 0, nil }
func (nullTx) QueryRow(context.Context, string, ...any) sqlstore.Row {
	return nil
}
func (nullTx) Query(context.Context, string, ...any) (sqlstore.Rows, error) { return nil, nil }
func (nullTx) Queue(string, ...any)                                         {}
func (nullTx) Flush(context.Context) error                                  { return nil }
