package postgres

import (
	"context"
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
	"github.com/jackc/pgx/v5"
)

// auditDB runs the audit suite's SQL on the pool.
type auditDB struct{ *DB }

func (db auditDB) Exec(t *testing.T, query string) {
	t.Helper()
	if _, err := db.pool.Exec(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

func (db auditDB) Texts(t *testing.T, query string) []string {
	t.Helper()
	rows, err := db.pool.Query(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	texts, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

func TestAuditConformance(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditBackend { return auditDB{openTest(t)} })
}
