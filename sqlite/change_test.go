package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
	"github.com/failedcheckins/failedcheckins/storetest"
)

// TestChangeConformance runs the suite of records that change, checking
// after every change that each rollup equals a fresh GROUP BY of the
// records, the name trigrams those of the names left and the MAC pieces
// those of the lists left.
func TestChangeConformance(t *testing.T) {
	storetest.RunChanges(t, func(t *testing.T) storetest.ChangeBackend { return openTest(t) },
		func(t *testing.T, s storetest.ChangeBackend) {
			t.Helper()
			checkRollups(t, s.(*DB))
			checkNameTrigrams(t, s.(*DB))
			checkMacGrams(t, s.(*DB))
		})
}

// largestID reads sqlstore.LargestIDSQL for table.
func largestID(t *testing.T, db *DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.writer.QueryRow(sqlstore.LargestIDSQL(table)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestDeletedIDNotGivenAfterReopen: the high-water mark is in the file,
// so a deleted newest Id stays given after the database is closed and
// opened again.
func TestDeletedIDNotGivenAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "reopen.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, withUniqueIDs(5, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if n, err := db.DeleteFailedCheckins(ctx, []int64{4, 5}); err != nil || n != 2 {
		t.Fatalf("DeleteFailedCheckins(4, 5) = %d, %v; want 2, nil", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, withUniqueIDs(1, nil, func(_ int, r *fc.FailedCheckin) { r.ID, r.UniqueID = 0, "" })); err != nil {
		t.Fatal(err)
	}
	page, err := db.FindFailedCheckins(ctx, fc.Query{Scope: fc.AllBusinesses(), OrderBy: fc.FieldID, Descending: true, Page: 1, Size: 1})
	if err != nil || len(page.Records) != 1 || page.Records[0].ID != 6 {
		t.Fatalf("newest record after reopening = %+v, %v; want Id 6", page, err)
	}
}

// TestMigration0009 applies 0009 to a database holding records, check-ins
// and counts: the high-water marks start at the largest Ids, and deletes
// and rewrites on the migrated file keep the counts and trigrams exact.
func TestMigration0009(t *testing.T) {
	ctx := context.Background()
	// A database at version 8: everything migrated, then 0009 taken back
	// (0006 rewrites the schema in Go, so openAtVersion stops before it).
	db := openTest(t)
	const undo = `DROP TRIGGER fc_name_trigram_remove; DROP TABLE record_ids; DELETE FROM schema_migrations WHERE version >= 9;
		DROP INDEX failed_checkins_business_created; DROP INDEX failed_checkins_business;
		CREATE TABLE record_ids (table_name TEXT PRIMARY KEY, largest INTEGER NOT NULL) STRICT, WITHOUT ROWID;
		INSERT INTO record_ids VALUES ('failed_checkins', 0), ('checkins', 0)`
	// This binary's writers read the marks: a stand-in table while the
	// data is written at version 8, dropped before 0009 creates its own.
	if _, err := db.writer.Exec(undo); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, withUniqueIDs(3000, nil, nil)); err != nil {
		t.Fatal(err)
	}
	storetest.ImportTestDirectory(t, db)
	ok := &fc.Attempt{BusinessID: 1, Source: fc.SourceDoorAccess, FromTime: time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC), MacAddresses: "a4-5e-60-c2-19-0b"}
	res, err := db.RecordAttempts(ctx, []*fc.Attempt{ok, ok})
	if err != nil || !res[1].Outcome.Accepted {
		t.Fatalf("RecordAttempts = %+v, %v", res, err)
	}
	if _, err := db.writer.Exec(`DROP TABLE record_ids`); err != nil {
		t.Fatal(err)
	}
	withoutResolution(t, db)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got := largestID(t, db, "failed_checkins"); got != 3000 {
		t.Errorf("largest failed check-in Id after 0009 = %d; want 3000", got)
	}
	if got := largestID(t, db, "checkins"); got != res[1].Outcome.ID {
		t.Errorf("largest check-in Id after 0009 = %d; want %d", got, res[1].Outcome.ID)
	}
	var ids []int64
	for id := int64(1); id <= 3000; id += 7 {
		ids = append(ids, id)
	}
	ids = append(ids, 3000)
	if _, err := db.DeleteFailedCheckins(ctx, ids); err != nil {
		t.Fatal(err)
	}
	_, err = db.UpdateFailedCheckins(ctx, []int64{2, 3, 10, 2999}, func(r *fc.FailedCheckin) error {
		r.CoworkerFullName, r.BusinessID, r.Description = "Renamed Ωne", r.BusinessID+1, "anonymized"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checkRollups(t, db)
	checkNameTrigrams(t, db)
	if got := largestID(t, db, "failed_checkins"); got != 3000 {
		t.Errorf("largest failed check-in Id after deleting 3000 = %d; want 3000", got)
	}
}
