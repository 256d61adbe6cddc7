package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// DB is an open PostgreSQL database. It is safe for concurrent use, and
// several processes may use one database at the same time.
type DB struct {
	pool *pgxpool.Pool
	name string // host/database, for messages: never the password
	now  func() time.Time
	dir  sqlstore.DirectoryCache // the parsed directory and the purge timer (directory.go, attempt.go)
	// exports admits a few exports at a time (export.go).
	exports *sqlstore.ExportGate
	// searchTx starts a search's snapshot: searchTxOptions, or without
	// its SET when the connection string chose a plan_cache_mode.
	searchTx pgx.TxOptions
	// users is the users store, the one both stores share: each read one
	// statement on the pool, writes in a transaction.
	users
	// failedReads are the record reads both stores share: a get-one on
	// the pool, searches in one repeatable-read snapshot planned per run
	// (searchTxOptions).
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
	_ fc.UserStore          = (*DB)(nil)
	_ fc.TokenStore         = (*DB)(nil)
	_ fc.LoginFailureStore  = (*DB)(nil)
	_ fc.AuditStore         = (*DB)(nil)
	_ fc.PrivacyStore       = (*DB)(nil)
)

// Open connects to the database that dsn names (a postgres:// or
// postgresql:// URL, or a key=value string; pool settings such as
// pool_max_conns go in it too). It does not touch the schema: call Migrate
// or CheckSchema before using the store.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// The parse error may quote the DSN, password included: keep it out.
		return nil, fc.Errorf(fc.ErrInvalid, "the PostgreSQL connection string %s is not valid", Redact(dsn))
	}
	// Connections keep PostgreSQL's plan_cache_mode (auto): the point
	// lookups of every request (token, user, get-one) reuse a generic
	// plan instead of planning each run. Searches, stats and exports plan
	// each run for its own values (searchTxOptions, customPlan), unless
	// the connection string sets plan_cache_mode: the operator's choice
	// then holds for searches too.
	db := &DB{name: cfg.ConnConfig.Host + "/" + cfg.ConnConfig.Database, now: time.Now,
		exports: sqlstore.NewExportGate(), searchTx: searchTxOptions}
	db.users = sqlstore.Users{D: dialect, Read: db.pooled, Write: db.write}
	db.webhooks = sqlstore.Webhooks{D: dialect, Read: db.pooled, Write: db.write, Outbox: &db.dir.Webhooks.Outbox}
	db.alerts = sqlstore.Alerts{D: dialect, Read: db.pooled, Write: db.write, Webhooks: &db.dir.Webhooks}
	if _, set := cfg.ConnConfig.RuntimeParams["plan_cache_mode"]; set {
		db.searchTx = pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, db.unavailable(err)
	}
	if err := db.pool.Ping(ctx); err != nil {
		db.pool.Close()
		return nil, db.unavailable(err)
	}
	// The point lookups run on the pool, so they are made once it exists.
	db.failedReads = sqlstore.NewFailedCheckinReads(dialect, db.point(), db.read)
	db.recordChanges = sqlstore.RecordChanges{Changes: changes, Write: db.change}
	db.privacy, db.auditEntries = db.privacyOn(db.pool)
	return db, nil
}

// Redact returns dsn with the password of a URL replaced by "xxxxx", for
// messages and logs.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		return "(unparsable connection string)"
	}
	return u.Redacted()
}

func (db *DB) unavailable(err error) error {
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "cannot connect to the database %s", db.name), err)
}

// Close closes every connection of the pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping checks that the database answers, for health checks.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "the database does not answer"), err)
	}
	return nil
}

// SetNow replaces the clock that write transactions read; tests use it to
// fix CreatedOn. It must be called before the DB is shared.
func (db *DB) SetNow(now func() time.Time) { db.now = now }

// withTx runs fn in a read-committed write transaction with one "now" for
// the whole transaction. It commits when fn returns nil and rolls back
// otherwise (or when ctx is cancelled). Its errors are classified
// (errors.go): a database that cannot serve is fc.ErrUnavailable.
func (db *DB) withTx(ctx context.Context, fn func(tx pgx.Tx, now time.Time) error) error {
	return db.withTxOn(ctx, db.pool, fn)
}

// begins is where a transaction starts: the pool, or one connection held
// out of it (a retention run's, TryRetentionLock).
type begins interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// withTxOn is withTx on a connection of on.
func (db *DB) withTxOn(ctx context.Context, on begins, fn func(tx pgx.Tx, now time.Time) error) error {
	if err := notDone(ctx); err != nil {
		return err
	}
	tx, err := on.Begin(ctx)
	if err != nil {
		return db.beginError(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx, db.now().UTC()); err != nil {
		return classify(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return classify(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// searchTxOptions starts the read-only snapshot of a search with a plan
// per statement: pgx prepares every statement, and after five runs
// PostgreSQL may switch to a generic plan blind to the search's values.
// For q3 of the bench (a location, a source, a substring) that plan was
// 50 rps against 900 with a plan per run (docs/benchmarks.md). SET LOCAL
// ends with the transaction, so the connection goes back to the pool
// unchanged; it travels in the same round trip as the BEGIN.
var searchTxOptions = pgx.TxOptions{
	BeginQuery: "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL plan_cache_mode = force_custom_plan",
}

// customPlan, first among a query's arguments, runs it as an unnamed
// statement whose description pgx caches: PostgreSQL plans an unnamed
// statement for the values bound to it, every run, as the searches do.
// Stats and exports use it: one statement each, no transaction to SET.
const customPlan = pgx.QueryExecModeCacheDescribe

// notDone answers a cancelled or expired ctx before a transaction
// begins: pgx closes a connection whose BEGIN fails with anything but a
// PostgreSQL error, a done context included, and a retention run's
// connection (TryRetentionLock) closed so would keep the retention lock
// until the server noticed, rather than unlock it at Release.
func notDone(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	return nil
}

// beginError marks a failure to start a transaction (the server is gone,
// the pool cannot connect) as ErrUnavailable.
func (db *DB) beginError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("begin: %w", err)
	}
	return fmt.Errorf("%w: %w", fc.Errorf(fc.ErrUnavailable, "the database does not answer"), err)
}
