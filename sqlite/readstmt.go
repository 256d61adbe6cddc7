package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/failedcheckins/failedcheckins/sqlstore"
)

// Every authenticated GET runs the token lookup, and q5 the get-one
// lookup as well. Preparing their SQL on each call was ~17% of q5's server
// CPU, so both are prepared once, lazily, on the reader pool: a *sql.Stmt
// of a *sql.DB prepares itself again on each pooled connection the first
// time it runs there, and database/sql keeps those per-connection
// statements until Close. Their texts are the shared core's.
var (
	tokenUserSQL = sqlstore.UserByAccessTokenSQL
	getOneSQL    = sqlstore.FailedByIDSQL(dialect)
)

// preparedReads are the prepared hot lookups.
type preparedReads struct {
	tokenUser *sql.Stmt
	getOne    *sql.Stmt
}

// pointTx is a sqlstore.Tx that runs the hot lookups through their
// prepared statements on the reader pool (prepared on first use),
// outside a transaction: a single SELECT reads one snapshot anyway, and
// BEGIN and COMMIT would be two more calls into SQLite. It runs no other
// text.
type pointTx struct{ db *DB }

var _ sqlstore.Tx = pointTx{}

func (t pointTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p, err := t.db.reads.get(ctx, t.db.reader)
	if err != nil {
		return nil, err
	}
	switch query {
	case tokenUserSQL:
		return p.tokenUser, nil
	case getOneSQL:
		return p.getOne, nil
	}
	return nil, fmt.Errorf("sqlite: no prepared lookup for %q", query)
}

func (t pointTx) Exec(context.Context, string, ...any) (int64, error) {
	return 0, errors.New("sqlite: the prepared lookups only read")
}

func (t pointTx) QueryRow(ctx context.Context, query string, args ...any) sqlstore.Row {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return errRow{err}
	}
	return sqlRow{st.QueryRowContext(ctx, args...)}
}

func (t pointTx) Query(ctx context.Context, query string, args ...any) (sqlstore.Rows, error) {
	st, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// errRow is a Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// readStatements prepares preparedReads on first use. The atomic pointer
// keeps the per-request path free of a lock once they exist.
type readStatements struct {
	mu    sync.Mutex
	ready atomic.Pointer[preparedReads]
	// search are the search path's statements, by SQL text.
	search searchStatements
}

// get returns the statements, preparing them on reader the first time. A
// failed prepare (say, a cancelled ctx) is retried on the next call.
func (r *readStatements) get(ctx context.Context, reader *sql.DB) (*preparedReads, error) {
	if p := r.ready.Load(); p != nil {
		return p, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.ready.Load(); p != nil {
		return p, nil
	}
	token, err := reader.PrepareContext(ctx, tokenUserSQL)
	if err != nil {
		return nil, fmt.Errorf("prepare token lookup: %w", err)
	}
	getOne, err := reader.PrepareContext(ctx, getOneSQL)
	if err != nil {
		token.Close()
		return nil, fmt.Errorf("prepare get-one: %w", err)
	}
	p := &preparedReads{tokenUser: token, getOne: getOne}
	r.ready.Store(p)
	return p, nil
}

// close releases the statements (DB.Close, before the connections).
func (r *readStatements) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if p := r.ready.Swap(nil); p != nil {
		p.tokenUser.Close()
		p.getOne.Close()
	}
	r.search.close()
}

// maxSearchStatements bounds the search statements kept prepared. The
// bench shapes use a handful of SQL texts (values travel as arguments);
// once full, further texts are prepared per query as before, so an
// unusual client cannot grow it.
const maxSearchStatements = 256

// maxCachedPlaceholders keeps texts with long value lists out of the
// cache: a list of n ids is n placeholders, so every length is its own
// text; a client sending lists of many lengths would otherwise fill the
// cache for good with statements of hundreds of placeholders (tens of MB
// each time they are prepared on a connection), and the hot shapes,
// which have a few, would never be prepared.
const maxCachedPlaceholders = 64

// searchStatements are the search path's statements (counts, trigram
// picks, seeks, pages), prepared once per SQL text on the reader pool and
// bound to each read transaction with tx.StmtContext, which reuses the
// statement already prepared on the transaction's connection. Preparing
// them per query was several percent of a search's server CPU (the
// parser and code generator of SQLite, for each of 3-5 statements).
//
// A text not seen before runs unprepared while a goroutine prepares it:
// preparing on the pool needs a free connection, and the caller holds one
// in its transaction, so waiting for another there could deadlock when
// every connection is in the same situation.
type searchStatements struct {
	mu      sync.Mutex
	stmts   map[string]*sql.Stmt // nil value: being prepared
	closed  bool
	pending sync.WaitGroup
}

// get returns the statement of query prepared on reader, or nil when it
// is not ready yet (its preparation then starts, unless the cache is
// full) or its preparation failed.
func (s *searchStatements) get(reader *sql.DB, query string) *sql.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stmts[query]; ok || s.closed || len(s.stmts) >= maxSearchStatements ||
		strings.Count(query, "?") > maxCachedPlaceholders {
		return st
	}
	if s.stmts == nil {
		s.stmts = map[string]*sql.Stmt{}
	}
	s.stmts[query] = nil
	s.pending.Add(1)
	go func() {
		defer s.pending.Done()
		st, err := reader.Prepare(query)
		s.mu.Lock()
		defer s.mu.Unlock()
		switch {
		case err != nil:
			delete(s.stmts, query) // tried again on a later search
		case s.closed:
			st.Close()
		default:
			s.stmts[query] = st
		}
	}()
	return nil
}

// close releases the statements (DB.Close, before the connections),
// after any preparation under way.
func (s *searchStatements) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.pending.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stmts {
		if st != nil {
			st.Close()
		}
	}
	s.stmts = nil
}

// point returns the prepared lookups (pointTx) with their errors
// classified: they run outside the transaction helpers that classify.
func (db *DB) point() sqlstore.Tx { return sqlstore.ClassifiedTx(pointTx{db}, fault) }
