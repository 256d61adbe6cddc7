package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"sync/atomic"

	"github.com/mattn/go-sqlite3"
)

// writeLock is what the writer knows of the database file's write lock:
// whether another process (an import, a users command) held it past the
// writer's busy timeout, and no write of this process has had it since.
//
// Writes queue on the single writer connection. Without this, each write
// queued behind one that found the lock taken waited its own busy timeout
// in turn once it had the connection: a check-in behind a batch and a
// sign-in's failure counter waited 0.8-1.8 s for a 503 while an import
// ran (issue 18, docs/benchmarks.md). Now only the write that finds the
// lock taken waits (and those already queued behind it wait for it); the
// writes after it probe the lock without waiting (busy_timeout 0) and
// answer the 503 at once, until a probe gets the lock, which reopens the
// normal wait. A probe that fails costs one attempt to take a file lock;
// one that succeeds is an ordinary write, so nothing waits for the lock
// to be known free again, and nothing is refused after it is.
type writeLock struct {
	// taken: the last write that tried to begin found the lock held by
	// another process (past the busy timeout, or at a probe).
	taken atomic.Bool
	// timeouts counts the begins that waited the whole busy timeout and
	// failed: while another process holds the lock, one per holding
	// (TestImportBesideAttempts), not one per write.
	timeouts atomic.Int64
}

// Statements of the probe; busy_timeout is the connection's, not the
// transaction's, so the probe reads it first and puts it back.
const (
	getBusyTimeoutSQL = `PRAGMA busy_timeout`
	noBusyTimeoutSQL  = `PRAGMA busy_timeout = 0`
	setBusyTimeoutSQL = `PRAGMA busy_timeout = `
)

// beginWrite begins a write transaction (BEGIN IMMEDIATE: the dsn's
// _txlock) on conn, the writer's connection: with the busy timeout when
// the lock was free last time, as a probe without waiting when another
// process held it (writeLock).
func (db *DB) beginWrite(ctx context.Context, conn *sql.Conn) (*sql.Tx, error) {
	if !db.lock.taken.Load() {
		tx, err := conn.BeginTx(ctx, nil)
		if isBusy(err) {
			db.lock.taken.Store(true)
			db.lock.timeouts.Add(1)
		}
		return tx, err
	}
	var ms int64
	if err := conn.QueryRowContext(ctx, getBusyTimeoutSQL).Scan(&ms); err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, noBusyTimeoutSQL); err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	// The connection's wait comes back whatever the probe found (and
	// whether ctx ended): the next write may be an ordinary one.
	restore := setBusyTimeoutSQL + strconv.FormatInt(ms, 10)
	if err != nil {
		if _, rerr := conn.ExecContext(context.WithoutCancel(ctx), restore); rerr != nil {
			discard(conn)
		}
		return nil, err // busy again: the lock stays taken
	}
	if _, err := tx.ExecContext(context.WithoutCancel(ctx), restore); err != nil {
		_ = tx.Rollback()
		discard(conn)
		return nil, err
	}
	db.lock.taken.Store(false)
	return tx, nil
}

// discard closes conn instead of returning it to the pool, which opens a
// new one with the dsn's settings: a connection whose busy_timeout could
// not be put back would otherwise never wait for the lock again.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
}

// isBusy reports whether err is SQLite's "database is locked": another
// connection holds the write lock.
func isBusy(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrBusy
}
