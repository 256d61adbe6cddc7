package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// The adapter of database/sql transactions to sqlstore.Tx and
// sqlstore.WriteTx, which the shared store core (package sqlstore) runs
// on. Its statements are prepared once per SQL text and bound to each
// transaction with tx.StmtContext, which reuses the statement already
// prepared on the transaction's connection: preparing them on every run
// was a measurable share of a batch (SQLite's parser and code generator).

// maxWriteStatements bounds the write statements kept prepared. The
// shared core writes a few dozen texts (values travel as arguments).
const maxWriteStatements = 256

// writeStatements are the write transactions' statements, prepared on
// the writer. A text is prepared before the write transaction after the
// first one that ran it (unprepared): the writer has one connection, so
// preparing on it from inside its own transaction would wait for itself
// forever, and preparing after it would make write wait for the writer
// once its transaction has ended (writeSync).
type writeStatements struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	todo   map[string]bool // ran unprepared; to prepare once the writer is free
	closed bool
}

// get returns the prepared statement of query, or nil (it is then
// remembered for prepareTodo).
func (w *writeStatements) get(query string) *sql.Stmt {
	w.mu.Lock()
	defer w.mu.Unlock()
	if st, ok := w.stmts[query]; ok || w.closed || len(w.stmts)+len(w.todo) >= maxWriteStatements {
		return st
	}
	if w.todo == nil {
		w.todo = map[string]bool{}
	}
	w.todo[query] = true
	return nil
}

// prepareTodo prepares, on writer, the texts run unprepared so far. It
// must run outside a write transaction (writeSync runs it before one). A failure leaves the text to run
// unprepared, and to be tried again after a later transaction.
func (w *writeStatements) prepareTodo(ctx context.Context, writer *sql.DB) {
	w.mu.Lock()
	var todo []string
	for q := range w.todo {
		todo = append(todo, q)
	}
	w.mu.Unlock()
	// Not under w.mu: a write transaction begun meanwhile holds the
	// writer, and it may be looking up a statement.
	for _, q := range todo {
		st, err := writer.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		w.mu.Lock()
		if w.closed || w.stmts[q] != nil {
			st.Close()
		} else {
			if w.stmts == nil {
				w.stmts = map[string]*sql.Stmt{}
			}
			w.stmts[q] = st
		}
		delete(w.todo, q)
		w.mu.Unlock()
	}
}

// close releases the statements (DB.Close, before the connections).
func (w *writeStatements) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	for _, st := range w.stmts {
		st.Close()
	}
	w.stmts = nil
}

// sqlTx is a database/sql transaction as sqlstore runs it.
type sqlTx struct {
	tx *sql.Tx
	// prepared returns the statement of a text prepared on the
	// transaction's pool, or nil to run it unprepared.
	prepared func(query string) *sql.Stmt
	bound    map[string]*sql.Stmt // statements bound to tx, closed with it
	queued   []queuedStmt
}

type queuedStmt struct {
	query string
	args  []any
}

var _ sqlstore.WriteTx = (*sqlTx)(nil)

// stmt returns query's statement bound to the transaction, or nil.
func (t *sqlTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := t.bound[query]; ok {
		return st
	}
	p := t.prepared(query)
	if p == nil {
		return nil
	}
	st := t.tx.StmtContext(ctx, p)
	if t.bound == nil {
		t.bound = map[string]*sql.Stmt{}
	}
	t.bound[query] = st
	return st
}

func (t *sqlTx) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	if st := t.stmt(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = t.tx.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *sqlTx) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	if st := t.stmt(ctx, query); st != nil {
		return sqlRow{st.QueryRowContext(ctx, args...)}
	}
	return sqlRow{t.tx.QueryRowContext(ctx, query, args...)}
}

func (t *sqlTx) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// query runs query through its prepared statement when the transaction
// keeps one.
func (t *sqlTx) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

func (t *sqlTx) Queue(query string, args ...any) {
	t.queued = append(t.queued, queuedStmt{query, args})
}

// Flush runs the queued statements through Query, not Exec: nobody
// reads their results, and the driver's query path binds every argument
// and takes the (only) step of a statement without RETURNING in one cgo
// call, copying the text into a buffer of its own, where Exec makes a
// cgo call and SQLite a copy per argument. A batch of audit entries binds
// 13 values a row (docs/benchmarks.md, "Audit": about a third of the
// writer's CPU went to binding).
func (t *sqlTx) Flush(ctx context.Context) error {
	q := t.queued
	t.queued = nil
	for _, s := range q {
		if err := t.run(ctx, s.query, s.args...); err != nil {
			return err
		}
	}
	return nil
}

// run executes a statement whose result nobody reads (see Flush).
func (t *sqlTx) run(ctx context.Context, query string, args ...any) error {
	rows, err := t.query(ctx, query, args...)
	if err != nil {
		return err
	}
	// The statement ran at the query (the driver takes the first step
	// at once); a RETURNING's rows are not read.
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

type sqlRow struct{ *sql.Row }

func (r sqlRow) Scan(dest ...any) error {
	err := r.Row.Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return sqlstore.ErrNoRows
	}
	return err
}

type sqlRows struct{ rows *sql.Rows }

func (r sqlRows) Next() bool             { return r.rows.Next() }
func (r sqlRows) Scan(dest ...any) error { return r.rows.Scan(dest...) }
func (r sqlRows) Err() error             { return r.rows.Err() }
func (r sqlRows) Close()                 { r.rows.Close() }

// write runs fn in a write transaction on the single writer connection,
// with one "now" for the whole transaction. It flushes what fn queued and
// commits when fn returns nil, and rolls back otherwise (or when ctx is
// cancelled).
func (db *DB) write(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
	return db.writeSync(ctx, true, fn)
}

// writeLazy is write for writes that a crash may lose without harm (the
// webhook dispatcher's claims and results: a lost lease or result only
// means that a delivery is sent again, which at-least-once allows): the
// commit does not wait for the disk, so the dispatcher does not hold the
// one writer, which the check-ins need, through an fsync per claim.
func (db *DB) writeLazy(ctx context.Context, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
	return db.writeSync(ctx, false, fn)
}

func (db *DB) writeSync(ctx context.Context, durable bool, fn func(tx sqlstore.WriteTx, now time.Time) error) error {
	// Before the transaction, not after it: once its transaction has
	// ended, write must return without waiting for the writer again.
	// A batch of attempts puts the incident cache back only when write
	// has returned, and the next batch, which then holds the writer and
	// the file's write lock, waits for that put (sqlstore's maxTakeWait,
	// 50 ms): preparing here after the transaction queued behind that
	// batch, so each batch of a burst with texts to prepare waited the
	// whole 50 ms holding the lock, and another process on the file
	// failed its writes past writerBusyTimeout (TestWriteEndsWithoutTheWriter).
	db.writes.prepareTodo(ctx, db.writer)
	return db.withWriteTxSync(ctx, durable, func(tx *sql.Tx, now time.Time) error {
		t := &sqlTx{tx: tx, prepared: db.writes.get}
		if err := fn(t, now); err != nil {
			return err
		}
		return t.Flush(ctx)
	})
}

// read runs fn in a read transaction on a read-only connection (one
// snapshot for every statement of fn), through the statements the search
// path prepares once (readstmt.go).
func (db *DB) read(ctx context.Context, fn func(tx sqlstore.Tx) error) error {
	return db.withReadTx(ctx, func(tx *sql.Tx) error {
		return fn(db.readTx(tx))
	})
}

// readTx adapts a read transaction.
func (db *DB) readTx(tx *sql.Tx) *sqlTx {
	return &sqlTx{tx: tx, prepared: func(q string) *sql.Stmt { return db.reads.search.get(db.reader, q) }}
}
