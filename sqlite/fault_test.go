package sqlite

import (
	"context"
	"testing"

	"github.com/failedcheckins/failedcheckins/storetest"
)

// faultDB is a store whose database a test breaks on purpose.
type faultDB struct{ *DB }

// Poison makes the insert of the key storetest.PoisonKey raise.
func (db faultDB) Poison(t *testing.T) {
	t.Helper()
	_, err := db.writer.ExecContext(context.Background(), `CREATE TRIGGER poison BEFORE INSERT ON idempotency_keys
		WHEN NEW.key = '`+storetest.PoisonKey+`' BEGIN SELECT RAISE(ABORT, 'poisoned attempt'); END`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestFaultConformance(t *testing.T) {
	storetest.RunFaults(t, func(t *testing.T) storetest.FaultBackend { return faultDB{openTest(t)} })
}
