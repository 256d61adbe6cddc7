package postgres

import (
	"context"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres/pgtest"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestChangeConformance runs the suite of records that change, checking
// after every change that each rollup the triggers keep equals a fresh
// GROUP BY of the records.
func TestChangeConformance(t *testing.T) {
	storetest.RunChanges(t, func(t *testing.T) storetest.ChangeBackend { return openTest(t) },
		func(t *testing.T, s storetest.ChangeBackend) {
			t.Helper()
			checkRollups(t, s.(*DB))
		})
}

// largestID reads sqlstore.LargestIDSQL for table.
func largestID(t *testing.T, db *DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.pool.QueryRow(context.Background(), sqlstore.LargestIDSQL(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeletedIDNotGivenAfterReopen: a deleted newest Id stays given for a
// new pool on the same database (another server, or a restart).
func TestDeletedIDNotGivenAfterReopen(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.NewDatabase(t)
	db, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	rs := []*fc.FailedCheckin{minimalRecord(), minimalRecord(), minimalRecord()}
	if _, err := db.CreateFailedCheckins(ctx, seq(rs)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteFailedCheckins(ctx, []int64{2, 3}); err != nil || n != 2 {
		t.Fatalf("DeleteFailedCheckins(2, 3) = %d, %v; want 2, nil", n, err)
	}
	db.Close()
	db, err = Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.CreateFailedCheckins(ctx, seq([]*fc.FailedCheckin{minimalRecord()})); err != nil {
		t.Fatal(err)
	}
	page, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Descending: true, Page: 1, Size: 1})
	if err != nil || len(page.Records) != 1 || page.Records[0].ID != 4 {
		t.Fatalf("newest record after reopening = %+v, %v; want Id 4", page, err)
	}
}

func minimalRecord() *fc.FailedCheckin {
	at := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	return &fc.FailedCheckin{BusinessID: 10, BusinessName: "X", CoworkerFullName: "Ana", CheckinAttemptTime: at, CheckinAttemptTimeLocal: at}
}

func seq(rs []*fc.FailedCheckin) func(func(*fc.FailedCheckin, error) bool) {
	return func(yield func(*fc.FailedCheckin, error) bool) {
		for _, r := range rs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// TestMigration0009 applies 0009 to a database holding records, check-ins
// and counts: the high-water marks start at the largest Ids, and deletes
// and updates on the migrated database (through the store, and a plain
// UPDATE by hand, which the triggers count too) keep the counts exact.
func TestMigration0009(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	for done := false; !done; {
		if done, err = db.migrateOne(ctx, ms[:8]); err != nil {
			t.Fatal(err)
		}
	}
	db.SetNow(func() time.Time { return time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC) })
	// This binary's writers read the marks, write 0011's columns and
	// read 0012's webhook_state and 0016's alert_state (with 0021's
	// incidents_writer), and count into 0023's fc_count_mac and 0026's
	// fc_count_source_tariff_description (which 0023 and 0026 build
	// afresh): stand-ins while
	// the data is written at version 8, dropped before 0009, 0011, 0012
	// and 0016 create their own.
	const stand = `CREATE TABLE record_ids (table_name text PRIMARY KEY, largest bigint NOT NULL);
		INSERT INTO record_ids VALUES ('failed_checkins', 0), ('checkins', 0);
		ALTER TABLE failed_checkins ADD COLUMN resolved_by_checkin_id bigint, ADD COLUMN resolved_on timestamptz;
		CREATE TABLE webhook_state (id integer PRIMARY KEY, version bigint NOT NULL); INSERT INTO webhook_state VALUES (1, 0);
		CREATE TABLE alert_state (id integer PRIMARY KEY, version bigint NOT NULL, incidents_writer bigint NOT NULL DEFAULT 0);
		INSERT INTO alert_state VALUES (1, 0);
		CREATE TABLE fc_count_mac (mac_addresses text COLLATE "C" NOT NULL, mac_addresses_fold text COLLATE "C" NOT NULL, n bigint NOT NULL,
			PRIMARY KEY (mac_addresses));
		CREATE TABLE fc_count_source_tariff_description (source bigint NOT NULL, tariff text COLLATE "C" NOT NULL,
			tariff_fold text COLLATE "C" NOT NULL, description text COLLATE "C" NOT NULL, description_fold text COLLATE "C" NOT NULL,
			n bigint NOT NULL, PRIMARY KEY (source, tariff, description))`
	if _, err := db.pool.Exec(ctx, stand); err != nil {
		t.Fatal(err)
	}
	sample := storetest.Sample(t)
	if _, err := db.CreateFailedCheckins(ctx, seq(sample)); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	ok := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, FromTime: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), MacAddresses: "a4-5e-60-c2-19-0b"}
	res, err := db.RecordAttempts(ctx, []*fc.Attempt{ok, ok})
	if err != nil || !res[1].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v", res, err)
	}
	const unstand = `DROP TABLE record_ids; ALTER TABLE failed_checkins DROP COLUMN resolved_by_checkin_id, DROP COLUMN resolved_on;
		DROP TABLE webhook_state; DROP TABLE alert_state`
	if _, err := db.pool.Exec(ctx, unstand); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var largest int64
	for _, r := range sample {
		largest = max(largest, r.ID)
	}
	if got := largestID(t, db, "failed_checkins"); got != largest {
		t.Errorf("largest failed check-in Id after 0009 = %d; want %d", got, largest)
	}
	if got := largestID(t, db, "checkins"); got != res[1].Outcome.ID {
		t.Errorf("largest check-in Id after 0009 = %d; want %d", got, res[1].Outcome.ID)
	}
	var ids []int64
	for i := 0; i < len(sample); i += 7 {
		ids = append(ids, sample[i].ID)
	}
	ids = append(ids, largest)
	if _, err := db.DeleteFailedCheckins(ctx, ids); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
	if _, err := db.pool.Exec(ctx, `UPDATE failed_checkins SET coworker_full_name = 'Renamed', coworker_full_name_fold = 'renamed', business_id = business_id + 1,
		checkin_attempt_time = checkin_attempt_time + interval '3 days' WHERE id % 5 = 0`); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
	if got := largestID(t, db, "failed_checkins"); got != largest {
		t.Errorf("largest failed check-in Id after deleting %d = %d; want it still", largest, got)
	}
}
