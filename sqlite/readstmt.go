package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Every authenticated GET runs the token lookup, and q5 the get-one
// lookup as well. Preparing their SQL on each call was ~17% of q5's server
// CPU, so both are prepared once, lazily, on the reader pool: a *sql.Stmt
// of a *sql.DB prepares itself again on each pooled connection the first
// time it runs there, and database/sql keeps those per-connection
// statements until Close.
const (
	tokenUserSQL = `SELECT ` + userColumns + ` FROM users WHERE id =
		(SELECT user_id FROM access_tokens WHERE token_hash = ? AND expires_on > ?)`
	// getOneSQL reads a record by id within the caller's scope: the second
	// argument is true for every location, the third the allowed business
	// ids as a JSON array, so that one prepared statement serves every
	// scope while the scope stays inside the query (never a filter on rows
	// already read).
	getOneSQL = `SELECT ` + selectColumns + ` FROM failed_checkins WHERE id = ?
		AND (? OR business_id IN (SELECT value FROM json_each(?)))`
)

// preparedReads are the prepared hot lookups.
type preparedReads struct {
	tokenUser *sql.Stmt
	getOne    *sql.Stmt
}

// readStatements prepares preparedReads on first use. The atomic pointer
// keeps the per-request path free of a lock once they exist.
type readStatements struct {
	mu    sync.Mutex
	ready atomic.Pointer[preparedReads]
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
}

// maxDecodedLists bounds each map of decodedLists. Users share few
// distinct role and location lists, so a small map holds them all; a
// full map is emptied rather than growing.
const maxDecodedLists = 256

// decodedLists caches the users' roles and businesses JSON decoded, keyed
// by the stored JSON text itself: decoding them with encoding/json was a
// measurable share of every authenticated request. Keying by the text
// keeps it exact: a changed row has a different text, so the next request
// sees the change; there is nothing to invalidate. Cached slices are
// never handed out, only copies, so a caller cannot change the cache.
type decodedLists struct {
	mu         sync.Mutex
	roles      map[string][]string
	businesses map[string][]int64
}

func (d *decodedLists) decodeRoles(raw string) ([]string, error) {
	d.mu.Lock()
	v, ok := d.roles[raw]
	d.mu.Unlock()
	if ok {
		return slices.Clone(v), nil
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.roles = remember(d.roles, raw, v)
	d.mu.Unlock()
	return slices.Clone(v), nil
}

func (d *decodedLists) decodeBusinesses(raw string) ([]int64, error) {
	d.mu.Lock()
	v, ok := d.businesses[raw]
	d.mu.Unlock()
	if ok {
		return slices.Clone(v), nil
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.businesses = remember(d.businesses, raw, v)
	d.mu.Unlock()
	return slices.Clone(v), nil
}

// remember stores v under raw in m, emptying m first when it is full.
func remember[V any](m map[string]V, raw string, v V) map[string]V {
	if m == nil || len(m) >= maxDecodedLists {
		m = make(map[string]V)
	}
	m[raw] = v
	return m
}
