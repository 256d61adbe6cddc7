package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	_ "github.com/mattn/go-sqlite3" // the driver, chosen by measurement: docs/sqlite-driver.md

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// busyTimeout is how long a connection waits for a lock before failing.
// With a single writer connection only a checkpoint or another process
// can hold one, so this is a safety net rather than a queue.
//
// The writer waits less, writerBusyTimeout: the lock it waits for is the
// database file's write lock, which another process (an import, a users
// command) may hold for minutes. Group commit has one writer, so each
// batch waiting its busy_timeout in turn made check-ins wait tens of
// seconds and then fail with a 500 (issue 18); now they are answered
// within a second, a 503 with Retry-After while the lock is taken
// (SQLITE_BUSY is FaultUnavailable: errors.go). Only the write that
// finds the lock taken waits this long, with the writes queued behind it;
// the writes after it probe the lock without waiting until one gets it
// (writeLock, writelock.go), so they are answered in milliseconds rather
// than each waiting the bound in turn. The serve process's own writes are
// short (a batch takes milliseconds), so another process waiting for them
// has time enough.
const (
	busyTimeout       = 10 * time.Second
	writerBusyTimeout = 400 * time.Millisecond
)

// Page cache per connection (negative cache_size = KiB). The writer's is
// large because an import inserts random UUIDs into the unique_id index:
// with SQLite's 2 MiB default, most inserts would evict and reread pages.
const (
	writerCacheKiB = 128 << 10
	readerCacheKiB = 16 << 10
)

// dialect is SQLite's: ? placeholders in built SQL, instr() for
// substrings, INTEGER Unix-second times for records and millisecond ones
// for accounts, SQLite's own NULL order.
var dialect = sqlstore.SQLite()

// DB is an open SQLite database. It is safe for concurrent use.
type DB struct {
	path string
	// aside is the path a database of OpenAside gets when it is
	// published (aside.go); "" for any other.
	aside  string
	writer *sql.DB // exactly one connection: SQLite has a single writer
	// lock is what the writer knows of the file's write lock: whether
	// another process holds it (writelock.go).
	lock   writeLock
	reader *sql.DB // a pool of read-only connections
	now    func() time.Time
	dir    sqlstore.DirectoryCache // the parsed directory and the purge timer (directory.go, attempt.go)
	// writes are the write transactions' statements, prepared once (tx.go).
	writes writeStatements
	// reads are the hot read lookups, prepared once (readstmt.go).
	reads readStatements
	// exports admits a few exports at a time (export.go).
	exports *sqlstore.ExportGate
	// users is the users store, the one both stores share: reads in a
	// read transaction, writes on the writer.
	users
	// failedReads are the record reads both stores share: a get-one
	// through the prepared lookups (pointTx, readstmt.go), searches in a
	// read transaction through the search statements prepared once.
	failedReads
	// recordChanges deletes and rewrites records (change.go).
	recordChanges
	// webhooks is the webhooks store (sqlstore/webhook.go).
	webhooks
	// alerts are the alert rules and incidents (sqlstore/alert.go).
	alerts
	// auditEntries is the audit trail (sqlstore/audit.go): batches on
	// the writer, searches in one snapshot.
	auditEntries
	// privacy erases people and applies the retention windows
	// (sqlstore/privacy.go, privacy.go).
	privacy
}

// users, failedReads and recordChanges are the shared core's stores
// under names that keep the embedded fields unexported; their methods
// make DB an fc.UserStore, an fc.RecordChangeStore and (with
// CreateFailedCheckins) an fc.FailedCheckinStore.
type (
	users         = sqlstore.Users
	failedReads   = sqlstore.FailedCheckinReads
	recordChanges = sqlstore.RecordChanges
	webhooks      = sqlstore.Webhooks
	alerts        = sqlstore.Alerts
	auditEntries  = sqlstore.Audit
	privacy       = sqlstore.Privacy
)

var (
	_ fc.FailedCheckinStore = (*DB)(nil)
	_ fc.AuditStore         = (*DB)(nil)
	_ fc.PrivacyStore       = (*DB)(nil)
)

// Open opens the database file at path, creating it when it does not exist.
// It does not touch the schema: call Migrate (the migrate command and serve)
// or CheckSchema before using the store.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, fc.Errorf(fc.ErrInvalid, "the database path is empty")
	}
	return open(ctx, path, dsn)
}

// open is Open with the connection strings of dsn.
func open(ctx context.Context, path string, dsn func(path string, readOnly bool) string) (*DB, error) {
	db := &DB{path: path, now: time.Now, exports: sqlstore.NewExportGate()}
	db.users = sqlstore.Users{D: dialect, Read: db.read, Write: db.write}
	db.webhooks = sqlstore.Webhooks{D: dialect, Read: db.read, Write: db.write, LazyWrite: db.writeLazy,
		Outbox: &db.dir.Webhooks.Outbox}
	db.alerts = sqlstore.Alerts{D: dialect, Read: db.read, Write: db.write, Webhooks: &db.dir.Webhooks}
	db.auditEntries = sqlstore.Audit{D: dialect, Read: db.read, Write: db.write}
	db.failedReads = sqlstore.NewFailedCheckinReads(dialect, db.point(), db.read)
	db.recordChanges = sqlstore.RecordChanges{Changes: changes, Write: db.change}
	db.privacy = sqlstore.Privacy{Changes: changes, Change: db.change, Read: db.read, Dirs: &db.dir}
	var err error
	// The writer opens first so that the file exists and is in WAL mode
	// before a read-only connection looks at it.
	db.writer, err = sql.Open("sqlite3", dsn(path, false))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetMaxIdleConns(1)
	db.writer.SetConnMaxLifetime(0)
	if err := db.writer.PingContext(ctx); err != nil {
		return nil, errors.Join(unavailable(path, err), db.writer.Close())
	}
	db.reader, err = sql.Open("sqlite3", dsn(path, true))
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open %s: %w", path, err), db.writer.Close())
	}
	n := max(4, runtime.NumCPU())
	db.reader.SetMaxOpenConns(n)
	db.reader.SetMaxIdleConns(n)
	if err := db.reader.PingContext(ctx); err != nil {
		return nil, errors.Join(unavailable(path, err), db.Close())
	}
	return db, nil
}

// dsn returns the connection string. Pragmas are given per connection by
// the driver, so every pooled connection gets them.
func dsn(path string, readOnly bool) string { return dsnOf(path, dsnValues(readOnly)) }

// dsnOf is the connection string of path with the settings v.
func dsnOf(path string, v url.Values) string {
	return "file:" + url.PathEscape(path) + "?" + v.Encode()
}

// dsnValues are dsn's settings.
func dsnValues(readOnly bool) url.Values {
	v := url.Values{}
	v.Set("_busy_timeout", fmt.Sprint(busyTimeout.Milliseconds()))
	if !readOnly {
		v.Set("_busy_timeout", fmt.Sprint(writerBusyTimeout.Milliseconds()))
	}
	v.Set("_foreign_keys", "on")
	v.Set("_synchronous", "FULL")
	if readOnly {
		v.Set("mode", "ro")
		v.Set("_query_only", "on")
		v.Set("_cache_size", fmt.Sprint(-readerCacheKiB))
		// SQLITE_OPEN_NOMUTEX instead of the driver's default
		// FULLMUTEX: database/sql never uses a connection (or its
		// statements and rows) from two goroutines at once, which is
		// all SQLite's multi-thread mode asks, and the mutex cost a
		// lock and an unlock on every sqlite3_column_* call, three per
		// column of every row: about a seventh of the server's CPU for
		// a page of 1000 records (issue 17, docs/benchmarks.md). The
		// driver's interrupt on a cancelled context takes no mutex.
		// Readers only: the writer's per-row cost was not measured.
		// The condition to keep: reader connections are used only
		// through database/sql, which closes every statement it
		// prepares; a driver statement leaked past it (conn.Raw, a
		// driver-level Prepare) would be finalized by the garbage
		// collector's goroutine while another statement runs on the
		// same connection, which without the mutex corrupts SQLite's
		// memory instead of merely finalizing late.
		v.Set("_mutex", "no")
	} else {
		v.Set("_cache_size", fmt.Sprint(-writerCacheKiB))
		v.Set("_journal_mode", "WAL")
		// BEGIN IMMEDIATE takes the write lock up front, so a write
		// transaction never fails half-way on a lock upgrade.
		v.Set("_txlock", "immediate")
	}
	return v
}

func unavailable(path string, err error) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "cannot open the database %s", path), err)
}

// Close closes every connection.
func (db *DB) Close() error {
	var errs []error
	db.writes.close()
	db.reads.close()
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	if db.aside != "" { // not published: it was never the database
		db.aside = ""
		errs = append(errs, removeAside(db.path))
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "the database does not answer"), err)
	}
	return nil
}

// SetNow replaces the clock that write transactions read; tests use it to
// fix CreatedOn. It must be called before the DB is shared.
func (db *DB) SetNow(now func() time.Time) { db.now = now }

// withWriteTx runs fn in a write transaction on the single writer
// connection, with one "now" for the whole transaction. It commits when fn
// returns nil and rolls back otherwise (or when ctx is cancelled). Its
// errors are classified (errors.go): a full disk or a lock held past
// busy_timeout is fc.ErrUnavailable.
func (db *DB) withWriteTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return db.withWriteTxSync(ctx, true, fn)
}

// withWriteTxSync is withWriteTx; durable false commits without waiting
// for the disk (synchronous=NORMAL for this transaction only), for writes
// whose loss in a crash is harmless (writeLazy). In WAL mode the next
// durable commit's sync writes such a transaction out too, since its
// frames precede that commit's in the log.
func (db *DB) withWriteTxSync(ctx context.Context, durable bool, fn func(tx *sql.Tx, now time.Time) error) error {
	conn, err := db.writer.Conn(ctx)
	if err != nil {
		return classify(fmt.Errorf("begin write: %w", err))
	}
	// Deferred first, so it runs after the transaction's Rollback (Close
	// waits for the transaction to end). It returns the connection to the
	// pool; its only error is ErrConnDone, when beginWrite discarded it.
	defer func() { _ = conn.Close() }()
	if !durable {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
			discard(conn) // it may be either: a new connection is FULL (the dsn)
			return classify(fmt.Errorf("begin write: %w", err))
		}
		// After the transaction's end (deferred after its Rollback, so
		// it runs before): every other write must be durable again, and
		// a connection that cannot be put back is not used again.
		defer func() {
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = FULL"); err != nil {
				discard(conn)
			}
		}()
	}
	tx, err := db.beginWrite(ctx, conn) // writelock.go
	if err != nil {
		return classify(fmt.Errorf("begin write: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx, db.now().UTC()); err != nil {
		return classify(err)
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// withReadTx runs fn in a read transaction on a read-only connection, so
// every statement in fn sees the same snapshot.
func (db *DB) withReadTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.reader.BeginTx(ctx, nil)
	if err != nil {
		return classify(fmt.Errorf("begin read: %w", err))
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return classify(err)
	}
	if err := tx.Commit(); err != nil {
		return classify(fmt.Errorf("end read: %w", err))
	}
	return nil
}
