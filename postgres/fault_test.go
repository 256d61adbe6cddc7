package postgres

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"

	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// faultDB is a store whose database a test breaks on purpose.
type faultDB struct{ *DB }

// Poison makes the insert of the key storetest.PoisonKey raise.
func (db faultDB) Poison(t *testing.T) {
	t.Helper()
	_, err := db.pool.Exec(context.Background(), `CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.key = '`+storetest.PoisonKey+`' THEN RAISE EXCEPTION 'poisoned attempt'; END IF; RETURN NEW; END $$;
		CREATE TRIGGER poison BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION poison()`)
	if err != nil {
		t.Fatal(err)
	}
}

func TestFaultConformance(t *testing.T) {
	storetest.RunFaults(t, func(t *testing.T) storetest.FaultBackend { return faultDB{openTest(t)} })
}

// TestInvalidKeyIsolated is issue 18's first defect: an Idempotency-Key
// that is not valid UTF-8 (PostgreSQL refuses it, SQLSTATE 22021) failed
// every attempt of its batch with a 500. It now fails alone, as bad input
// (ErrInvalid, a 400), and the others are committed.
func TestInvalidKeyIsolated(t *testing.T) {
	db := openTest(t)
	storetest.ImportTestDirectory(t, db)
	var as []*fc.Attempt
	for i := range 5 {
		a := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, AccessCardID: "04A2B3C4",
			FromTime: time.Date(2026, 7, 1+i, 10, 0, 0, 0, time.UTC)}
		a.Idempotency = &fc.IdempotencyKey{UserID: 1, Key: fmt.Sprint("k", i), Fingerprint: "f"}
		as = append(as, a)
	}
	as[3].Idempotency.Key = "bad\xff\x00key"
	res, err := db.RecordAttempts(context.Background(), as)
	if err != nil || len(res) != len(as) {
		t.Fatalf("RecordAttempts = %v, %v; want 5 results", res, err)
	}
	for i, r := range res {
		if i == 3 {
			if fc.ErrorCode(r.Err) != fc.ErrInvalid || fc.ErrorMessage(r.Err) == "" || strings.Contains(fc.ErrorMessage(r.Err), "SQLSTATE") {
				t.Errorf("attempt with the invalid key = %+v, %v; want ErrInvalid with a client-safe message", r.Outcome, r.Err)
			}
			continue
		}
		if r.Err != nil || r.Outcome == nil || !r.Outcome.Accepted {
			t.Errorf("attempt %d = %+v, %v; want accepted", i, r.Outcome, r.Err)
		}
	}
}

// TestImportBesideAttempts: an import on another server's handle beside
// live check-ins (storetest.RunImportBeside).
func TestImportBesideAttempts(t *testing.T) {
	n := 50_000
	if testing.Short() {
		n = 10_000
	}
	storetest.RunImportBeside(t, n, func(t *testing.T) (fc.FailedCheckinStore, storetest.CheckinBackend) {
		dsn := pgtest.NewDatabase(t)
		var dbs [2]*DB
		for i := range dbs {
			db, err := Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			dbs[i] = db
		}
		if err := dbs[0].Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return dbs[0], dbs[1]
	})
}
