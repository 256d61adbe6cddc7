package sqlite

import (
	"context"
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

// auditDB runs the audit suite's SQL on the writer connection.
type auditDB struct{ *DB }

func (db auditDB) Exec(t *testing.T, query string) {
	t.Helper()
	if _, err := db.writer.ExecContext(context.Background(), query); err != nil {
		t.Fatal(err)
	}
}

func (db auditDB) Texts(t *testing.T, query string) []string {
	t.Helper()
	rows, err := db.writer.QueryContext(context.Background(), query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var texts []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		texts = append(texts, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return texts
}

func TestAuditConformance(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditBackend { return auditDB{openTest(t)} })
}
