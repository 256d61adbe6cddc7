package main

import (
	"context"

	fc "github.com/failedcheckins/failedcheckins"
	"github.com/failedcheckins/failedcheckins/postgres"
	"github.com/failedcheckins/failedcheckins/sqlite"
)

// store is what the commands need of a database. Both backends are one:
// *sqlite.DB for a file, *postgres.DB for a postgres:// URL.
type store interface {
	fc.FailedCheckinStore
	checkinBackend // directory.go
	fc.UserStore
	fc.TokenStore
	fc.LoginFailureStore
	fc.WebhookStore
	// OnWebhookDeliveries wakes the dispatcher after a commit that
	// queued deliveries (webhooks.go).
	OnWebhookDeliveries(fn func())
	fc.AuditStore
	fc.PrivacyStore
	fc.AlertStore
	fc.AlertEmailStore
	Migrate(ctx context.Context) error
	SchemaVersion(ctx context.Context) (int, error)
	CheckSchema(ctx context.Context) error
	Ping(ctx context.Context) error
	Close() error
}

var (
	_ store = (*sqlite.DB)(nil)
	_ store = (*postgres.DB)(nil)
)

// openStore opens the database that db names, without touching its schema:
// PostgreSQL for a postgres:// or postgresql:// URL, a SQLite file
// otherwise.
func openStore(ctx context.Context, db string) (store, error) {
	if isPostgresURL(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

// displayDB is how messages and logs name the database: a PostgreSQL URL
// without its password, a file path as given.
func displayDB(db string) string {
	if isPostgresURL(db) {
		return postgres.Redact(db)
	}
	return db
}
