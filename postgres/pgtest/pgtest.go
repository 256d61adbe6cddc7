// Package pgtest gives tests a fresh PostgreSQL database of their own, so
// that test packages running in parallel never see each other's data.
//
// The server comes from FAILEDCHECKINS_TEST_POSTGRES, a DSN whose user may
// create databases (.ci/run sets it). Without it the tests skip, saying how
// to enable them, except in CI (CI=true), where a missing server is a
// failure: there the PostgreSQL tests must run.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the variable holding the administrative DSN.
const EnvVar = "FAILEDCHECKINS_TEST_POSTGRES"

// AdminDSN returns the DSN of the test server, skipping the test when none
// is configured (failing it in CI).
func AdminDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn != "" {
		return dsn
	}
	msg := "set " + EnvVar + "=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run PostgreSQL tests"
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but " + msg)
	}
	t.Skip(msg)
	return ""
}

// NewDatabase creates an empty database named fc_test_<random> on the test
// server, drops it when the test ends, and returns its DSN (the admin DSN
// with the database name replaced).
func NewDatabase(t testing.TB) string {
	t.Helper()
	return NewDatabaseAt(t, AdminDSN(t))
}

// NewDatabaseAt is NewDatabase on the server of the given admin DSN.
func NewDatabaseAt(t testing.TB, admin string) string {
	t.Helper()
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("the test server's DSN must be a postgres:// URL")
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "fc_test_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to %s: %v", EnvVar, err)
	}
	defer closeConn(ctx, t, conn)
	// The name is generated above (hex only), so quoting it is enough.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() { drop(t, admin, name) })
	u.Path = "/" + name
	return u.String()
}

// drop removes the database, ending the connections a failed test may have
// left open (WITH (FORCE), PostgreSQL 13+).
func drop(t testing.TB, admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Errorf("drop database %s: %v", name, err)
		return
	}
	defer closeConn(ctx, t, conn)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Errorf("drop database %s: %v", name, err)
	}
}

// closeConn closes the admin connection; a failure is the test's error,
// since it may leave a connection that keeps a database from being dropped.
func closeConn(ctx context.Context, t testing.TB, conn *pgx.Conn) {
	if err := conn.Close(ctx); err != nil {
		t.Errorf("close the admin connection: %v", err)
	}
}
