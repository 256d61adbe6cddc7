package sqlite

import (
	"context"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	fc "github.com/failedcheckins/failedcheckins"
)

// openAtVersion opens a new database migrated up to version (included).
func openAtVersion(t *testing.T, version int) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "old.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.Exec(createMigrationsTable); err != nil {
		t.Fatal(err)
	}
	for _, m := range ms[:version] {
		if _, err := db.writer.Exec(m.SQL); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if _, err := db.writer.Exec(`INSERT INTO schema_migrations (version, name, applied_on) VALUES (?, ?, 0)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	db.SetNow(func() time.Time { return time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC) })
	return db
}

// withoutResolution takes migrations 0011 (its index and columns) and
// 0012 (the webhooks' tables) back, for tests that write with this
// binary, which fills the columns and reads webhook_state, and then run
// older migrations before 0011 and 0012 run again. 0014's indexes, two
// of them on 0011's columns, go first: those tests run 0014 again too,
// and 0015 (a column of users, which SQLite cannot add IF NOT EXISTS).
func withoutResolution(t *testing.T, db *DB) {
	t.Helper()
	text, err := migrationFiles.ReadFile("migrations/0014_sort_indexes.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`CREATE INDEX (\w+)`).FindAllStringSubmatch(string(text), -1) {
		if _, err := db.writer.Exec("DROP INDEX IF EXISTS " + m[1]); err != nil {
			t.Fatalf("take migration 0014 back: %v", err)
		}
	}
	const undo = `DROP INDEX IF EXISTS failed_checkins_coworker_business_time;
		ALTER TABLE failed_checkins DROP COLUMN resolved_by_checkin_id; ALTER TABLE failed_checkins DROP COLUMN resolved_on`
	if _, err := db.writer.Exec(undo); err != nil {
		t.Fatalf("take migration 0011 back: %v", err)
	}
	const undoWebhooks = `DROP TABLE IF EXISTS webhooks; DROP TABLE IF EXISTS webhook_state; DROP TABLE IF EXISTS webhook_deliveries;
		DROP TABLE IF EXISTS webhook_outbox`
	if _, err := db.writer.Exec(undoWebhooks); err != nil {
		t.Fatalf("take migration 0012 back: %v", err)
	}
	// 0015's column, when the database has it (TestMigration0006 starts
	// at version 5).
	var has int
	if err := db.writer.QueryRow(`SELECT count(*) FROM pragma_table_info('users') WHERE name = 'mask_personal_data'`).Scan(&has); err != nil {
		t.Fatal(err)
	}
	if has > 0 {
		if _, err := db.writer.Exec(`ALTER TABLE users DROP COLUMN mask_personal_data`); err != nil {
			t.Fatalf("take migration 0015 back: %v", err)
		}
	}
	// 0016 (the alerts), which this binary's batches read (alert_state).
	const undoAlerts = `DROP TABLE IF EXISTS alert_rules; DROP TABLE IF EXISTS alert_state;
		DROP TABLE IF EXISTS alert_incidents; DROP TABLE IF EXISTS alert_refusals; DROP TABLE IF EXISTS alert_emails`
	if _, err := db.writer.Exec(undoAlerts); err != nil {
		t.Fatalf("take migration 0016 back: %v", err)
	}
}

// TestMigration0006 turns the UNIQUE constraint of a database holding
// records into the named index failed_checkins_unique_id without
// rebuilding anything: the index keeps its b-tree (root page), the records
// and their ids are unchanged, the file passes integrity_check, every
// connection sees the new schema, and the index still refuses a taken
// UniqueId and serves lookups by it.
func TestMigration0006(t *testing.T) {
	ctx := context.Background()
	db := openAtVersion(t, 5)
	// This binary's store also counts into 0007's description rollup,
	// reads 0009's Id marks and writes 0011's columns: they exist while
	// it writes at version 5, and go before the migrations run.
	const descriptions = `CREATE TABLE fc_count_description (description TEXT NOT NULL, description_fold TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (description)) STRICT, WITHOUT ROWID;
		CREATE TABLE record_ids (table_name TEXT PRIMARY KEY, largest INTEGER NOT NULL) STRICT, WITHOUT ROWID;
		ALTER TABLE failed_checkins ADD COLUMN resolved_by_checkin_id INTEGER; ALTER TABLE failed_checkins ADD COLUMN resolved_on INTEGER`
	zones, err := migrationFiles.ReadFile("migrations/0021_zone_maps.sql") // and 0021's zone maps
	if err != nil {
		t.Fatal(err)
	}
	macs, err := migrationFiles.ReadFile("migrations/0022_mac_dictionary.sql") // and 0022's MAC dictionary
	if err != nil {
		t.Fatal(err)
	}
	values, err := migrationFiles.ReadFile("migrations/0023_zone_values.sql") // and 0023's zone value counts
	if err != nil {
		t.Fatal(err)
	}
	joint, err := migrationFiles.ReadFile("migrations/0025_source_tariff_description.sql") // and 0025's joint counts
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.Exec(descriptions + ";\n" + string(zones) + ";\n" + string(macs) + ";\n" + string(values) + ";\n" + string(joint)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateFailedCheckins(ctx, withUniqueIDs(3000, nil, nil)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.writer.Exec(`DROP TABLE fc_count_description; DROP TABLE record_ids; DROP TABLE fc_zone; DROP TABLE fc_zone_business; DROP TABLE fc_count_mac;
		DROP TABLE fc_zone_source; DROP TABLE fc_zone_tariff; DROP TABLE fc_zone_description;
		DROP TABLE fc_zone_business_source; DROP TABLE fc_zone_business_tariff; DROP TABLE fc_zone_business_description;
		DROP TABLE fc_count_source_tariff_description`); err != nil {
		t.Fatal(err)
	}
	withoutResolution(t, db)
	if _, err := db.writer.Exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
	const dump = `SELECT id, unique_id, business_id, checkin_attempt_time, created_on FROM failed_checkins ORDER BY id`
	records := readRows(t, db, dump)
	root := readRows(t, db, `SELECT rootpage FROM sqlite_schema WHERE name = 'sqlite_autoindex_failed_checkins_1'`)
	if len(root) != 1 {
		t.Fatalf("automatic index before 0006: %v; want one", root)
	}
	// A reader connection that has read the old schema.
	var readerIndexes int
	if err := db.reader.QueryRow(`SELECT count(*) FROM pragma_index_list('failed_checkins')`).Scan(&readerIndexes); err != nil {
		t.Fatal(err)
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	if got := readRows(t, db, `SELECT rootpage FROM sqlite_schema WHERE name = 'failed_checkins_unique_id'`); !slices.Equal(got, root) {
		t.Errorf("root page of failed_checkins_unique_id = %v; want the automatic index's %v (no rebuild)", got, root)
	}
	if got := readRows(t, db, `SELECT count(*) FROM sqlite_schema WHERE name LIKE 'sqlite_autoindex_failed_checkins%'`); !slices.Equal(got, []string{"0"}) {
		t.Errorf("automatic indexes left: %v; want 0", got)
	}
	if got := readRows(t, db, `SELECT sql FROM sqlite_schema WHERE name = 'failed_checkins'`); len(got) != 1 || strings.Contains(got[0], "UNIQUE") ||
		!strings.Contains(got[0], "unique_id                  TEXT    NOT NULL,") {
		t.Errorf("table SQL after 0006 = %v; want unique_id without UNIQUE", got)
	}
	if got := readRows(t, db, `SELECT idx FROM sqlite_stat1 WHERE tbl = 'failed_checkins' AND idx LIKE '%unique%'`); !slices.Equal(got, []string{"failed_checkins_unique_id"}) {
		t.Errorf("sqlite_stat1 after 0006 = %v; want the statistics under the new name", got)
	}
	if got := readRows(t, db, `PRAGMA integrity_check`); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("integrity_check after 0006 = %v", got)
	}
	if got := readRows(t, db, dump); !slices.Equal(got, records) {
		t.Errorf("records changed by 0006")
	}
	var name string
	var unique int
	for role, q := range map[string]func() error{
		"writer": func() error {
			return db.writer.QueryRow(`SELECT name, "unique" FROM pragma_index_list('failed_checkins') WHERE name LIKE '%unique%'`).Scan(&name, &unique)
		},
		"reader": func() error {
			return db.reader.QueryRow(`SELECT name, "unique" FROM pragma_index_list('failed_checkins') WHERE name LIKE '%unique%'`).Scan(&name, &unique)
		},
	} {
		if err := q(); err != nil || name != "failed_checkins_unique_id" || unique != 1 {
			t.Errorf("%s connection sees %q unique=%d (%v); want failed_checkins_unique_id, unique", role, name, unique, err)
		}
	}
	if got := readRows(t, db, `EXPLAIN QUERY PLAN SELECT id FROM failed_checkins WHERE unique_id = 'x'`); len(got) != 1 ||
		!strings.Contains(got[0], "USING COVERING INDEX failed_checkins_unique_id (unique_id=?)") {
		t.Errorf("plan of a lookup by UniqueId = %v; want the new index", got)
	}
	taken := func(yield func(*fc.FailedCheckin, error) bool) {
		yield(&fc.FailedCheckin{UniqueID: uid(42), BusinessID: 1, CheckinAttemptTime: at0, CheckinAttemptTimeLocal: at0}, nil)
	}
	if _, err := db.CreateFailedCheckins(ctx, taken); fc.ErrorCode(err) != fc.ErrConflict || !strings.Contains(fc.ErrorMessage(err), uid(42)) {
		t.Errorf("insert of a taken UniqueId after 0006 = %v; want ErrConflict naming it", err)
	}
	// Running the edit again (a copy restored from before the version
	// was recorded) changes nothing and still passes its check.
	if _, err := db.writer.Exec(`DELETE FROM schema_migrations WHERE version = 6`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if got := readRows(t, db, `PRAGMA integrity_check`); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("integrity_check after 0006 twice = %v", got)
	}
}

// TestMigration0006RefusesUnknownSchema: a failed_checkins table that is
// not the one of 0001-0005 is left alone, with an error.
func TestMigration0006RefusesUnknownSchema(t *testing.T) {
	db := openAtVersion(t, 5)
	if _, err := db.writer.Exec(`CREATE UNIQUE INDEX other_unique ON failed_checkins (coworker_id, unique_id)`); err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err == nil || !strings.Contains(err.Error(), "0006") {
		t.Fatalf("Migrate with another unique index = %v; want an error from 0006", err)
	}
	if v, _ := db.SchemaVersion(context.Background()); v != 5 {
		t.Errorf("schema version after the refused migration = %d; want 5", v)
	}
	if got := readRows(t, db, `SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_autoindex_failed_checkins_1'`); !slices.Equal(got, []string{"1"}) {
		t.Errorf("automatic index after the refused migration: %v; want it still there", got)
	}
	if got := readRows(t, db, `PRAGMA integrity_check`); !slices.Equal(got, []string{"ok"}) {
		t.Errorf("integrity_check = %v", got)
	}
}
